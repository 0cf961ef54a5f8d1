import UserImportCore

/// Fills `lineage_keys` — which chunks of which import hold rows naming an address — a few chunks
/// at a time while the daemon is idle, so `user EMAIL` reads those chunks instead of every chunk
/// of years of history. An import writes no keys: a key per row, at a random place in a large
/// B-tree, would cost a bulk import a good part of its time; the idle step adds them in key order.
///
/// An import is indexed once `lineage_indexed_at` is set; the one being indexed has a row in
/// `lineage_progress` saying up to which chunk its keys are in. `UserListing.lineage` reads keys
/// for those chunks and scans the rest (the imports since the last idle moment), so it answers
/// the same whatever the indexing has reached. Pruning removes a chunk's keys with the chunk.
public struct LineageIndexing {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    /// One step in one transaction: keys for up to `chunks` chunks, of as many imports as that
    /// reaches (an import without chunks counts as one). Returns false when every import was
    /// indexed already.
    public func step(chunks: Int, now: Timestamp) throws -> Bool {
        try connection.transaction {
            var budget = max(1, chunks)
            var found = false
            while budget > 0, let next = try nextImport() {
                found = true
                let (indexed, more) = try index(next.id, after: next.afterLine, chunks: budget)
                budget -= max(1, indexed)
                if more {
                    break
                }
                try connection.prepare("UPDATE imports SET lineage_indexed_at = ? WHERE id = ?").run(
                    .int(now.millisecondsSinceEpoch), .int(next.id))
                try connection.prepare("DELETE FROM lineage_progress WHERE import_id = ?").run(.int(next.id))
            }
            return found
        }
    }

    /// The import being indexed, else the oldest not indexed yet.
    private func nextImport() throws -> (id: Int64, afterLine: Int64)? {
        let progress = try connection.prepare("SELECT import_id, after_line FROM lineage_progress LIMIT 1")
        if try progress.step() { return (progress.int(0), progress.int(1)) }
        guard
            let id = try connection.scalar(
                "SELECT id FROM imports WHERE lineage_indexed_at IS NULL ORDER BY id LIMIT 1")
        else { return nil }
        return (id, 0)
    }

    /// Keys for up to `chunks` chunks of import `id` after line `afterLine`; says how many it
    /// read and whether chunks are left (then its progress row says where it stopped).
    private func index(_ id: Int64, after afterLine: Int64, chunks: Int) throws -> (indexed: Int, more: Bool)
    {
        let select = try connection.prepare(
            """
            SELECT first_line, row_count, rows FROM import_row_chunks
            WHERE import_id = ? AND first_line > ? ORDER BY first_line LIMIT ?
            """)
        try select.bind(.int(id), .int(afterLine), .int(Int64(chunks) + 1))
        var keys: [(key: Int64, firstLine: Int64)] = []
        var indexed = 0
        var lastLine = afterLine
        var more = false
        while try select.step() {
            if indexed == chunks {
                more = true
                break
            }
            let firstLine = select.int(0)
            for key in try LineageKey.keys(
                ofChunk: select.blob(2), firstLine: firstLine, rowCount: select.int(1))
            {
                keys.append((key, firstLine))
            }
            indexed += 1
            lastLine = firstLine
        }
        // In key order: neighbouring inserts land on the same pages of the B-tree.
        keys.sort { ($0.key, $0.firstLine) < ($1.key, $1.firstLine) }
        let insert = try connection.prepare(
            "INSERT OR IGNORE INTO lineage_keys (email_key, import_id, first_line) VALUES (?, ?, ?)")
        for entry in keys { try insert.run(.int(entry.key), .int(id), .int(entry.firstLine)) }
        if more {
            try connection.prepare(
                "INSERT OR REPLACE INTO lineage_progress (import_id, after_line) VALUES (?, ?)"
            ).run(.int(id), .int(lastLine))
        }
        return (indexed, more)
    }

    /// Removes the keys of the chunks of import `id` about to be deleted (`firstLines` of them
    /// with their bytes): pruning calls it in its own transaction, before the delete.
    static func removeKeys(
        ofChunks chunks: [(firstLine: Int64, rowCount: Int64, rows: [UInt8])], import id: Int64,
        connection: SQLiteConnection
    ) throws {
        let delete = try connection.prepare(
            "DELETE FROM lineage_keys WHERE email_key = ? AND import_id = ? AND first_line = ?")
        for chunk in chunks {
            for key in try LineageKey.keys(
                ofChunk: chunk.rows, firstLine: chunk.firstLine, rowCount: chunk.rowCount)
            {
                try delete.run(.int(key), .int(id), .int(chunk.firstLine))
            }
        }
    }
}
