import UserImportCore

/// One walk over every import's row chunks, a few chunks at a time, for an index a daemon fills
/// while idle (`lineage_keys`, `user_search`). Each index has its own mark on `imports` and its
/// own progress table, so a daemon of an older build, which knows only the older index, marks
/// nothing it did not fill. Runs inside the caller's upkeep transaction.
struct PostgresChunkPass {
    let connection: PostgresConnection
    /// The `imports` column set (to the time) once an import's chunks have all been read.
    let mark: String
    /// The table saying how far into an import the walk is: (import_id, after_line).
    let progress: String

    /// The chunks of one import that `visit` is given, in line order.
    typealias Chunk = (firstLine: Int64, rowCount: Int64, rows: [UInt8])

    /// Up to `chunks` chunks, of as many imports as that reaches (an import without chunks
    /// counts as one), each import's handed to `visit` together. Returns false when every
    /// import was marked already.
    func step(chunks: Int, now: Timestamp, _ visit: (_ importID: Int64, [Chunk]) throws -> Void) throws
        -> Bool
    {
        var budget = max(1, chunks)
        var found = false
        while budget > 0, let next = try nextImport() {
            found = true
            let (read, more) = try read(next.id, after: next.afterLine, chunks: budget, visit)
            budget -= max(1, read)
            if more {
                break
            }
            try connection.query(
                "UPDATE imports SET \(mark) = $2 WHERE id = $1",
                [String(next.id), String(now.millisecondsSinceEpoch)])
            try connection.query("DELETE FROM \(progress) WHERE import_id = $1", [String(next.id)])
        }
        return found
    }

    /// The import being read, else the oldest not marked yet.
    private func nextImport() throws -> (id: Int64, afterLine: Int64)? {
        if let row = try connection.query("SELECT import_id, after_line FROM \(progress) LIMIT 1").first {
            guard row.count == 2 else {
                throw PostgresError(.data, message: "a progress row without its columns")
            }
            return (
                try PostgresImportHistory.int(row[0], "an import id"),
                try PostgresImportHistory.int(row[1], "a line")
            )
        }
        guard
            let id = try connection.scalar("SELECT id FROM imports WHERE \(mark) IS NULL ORDER BY id LIMIT 1")
        else { return nil }
        return (try PostgresImportHistory.int(id, "an import id"), 0)
    }

    /// Up to `chunks` chunks of import `id` after line `afterLine`, given to `visit`; says how
    /// many it read and whether chunks are left (then the progress row says where it stopped).
    private func read(
        _ id: Int64, after afterLine: Int64, chunks: Int, _ visit: (Int64, [Chunk]) throws -> Void
    ) throws -> (read: Int, more: Bool) {
        let page = try PostgresRowChunks.page(connection, importID: id, after: afterLine, limit: chunks + 1)
        let read = try page.chunks.prefix(chunks).map(Self.chunk)
        try visit(id, read)
        let more = page.fetched > read.count
        if more, let last = read.last {
            try connection.query(
                """
                INSERT INTO \(progress) (import_id, after_line) VALUES ($1, $2)
                ON CONFLICT (import_id) DO UPDATE SET after_line = excluded.after_line
                """,
                [String(id), String(last.firstLine)])
        }
        return (read.count, more)
    }

    private static func chunk(_ row: [String?]) throws -> Chunk {
        guard row.count == 3 else { throw PostgresError(.data, message: "a row chunk without its columns") }
        return (
            try PostgresImportHistory.int(row[0], "a chunk's first line"),
            try PostgresImportHistory.int(row[1], "a chunk's row count"),
            try PostgresConnection.bytes(row[2])
        )
    }
}
