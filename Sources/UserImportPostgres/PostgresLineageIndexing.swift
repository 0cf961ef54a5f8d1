import UserImportCore
import UserImportStore

/// Fills `lineage_keys` on the server as `LineageIndexing` does in the SQLite file: which chunks
/// of which import hold rows naming an address, a few chunks at a time while a daemon is idle,
/// never by the import itself (a key per row would cost a bulk import its `COPY` speed).
///
/// Several daemons may share the server: the step and pruning take one advisory lock, tried
/// and not waited for, so only one of them changes keys at a time; the others are told
/// `UpkeepBusy` and try again later.
/// `PostgresUserListing.lineage` reads keys for the chunks indexed and scans the rest, so it
/// answers the same whatever the indexing has reached.
public struct PostgresLineageIndexing {
    private let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The advisory lock indexing and pruning take ("upkeep" in ASCII).
    static let upkeepLock = "\(0x7570_6b65_6570)"

    /// Takes `upkeepLock` for the transaction, or says another daemon holds it.
    static func tryUpkeepLock(_ connection: PostgresConnection) throws -> Bool {
        try connection.scalar("SELECT pg_try_advisory_xact_lock(\(upkeepLock))") == "t"
    }

    /// Runs one step of upkeep in a transaction holding `upkeepLock`, or throws `UpkeepBusy`:
    /// when another daemon holds the lock, and when a row the step would change is held longer
    /// than a second (an undo holds its target's import row for its whole transaction). A
    /// session left in the step by a client that vanished is ended by the server a minute later,
    /// so the lock does not outlive it.
    static func upkeep<T>(_ connection: PostgresConnection, _ body: () throws -> T) throws -> T {
        do {
            return try connection.transaction {
                try connection.execute(
                    "SET LOCAL lock_timeout = '1s'; SET LOCAL idle_in_transaction_session_timeout = '60s'")
                guard try tryUpkeepLock(connection) else { throw UpkeepBusy() }
                return try body()
            }
        } catch let error as PostgresError where error.sqlState == "55P03" {
            throw UpkeepBusy()
        }
    }

    /// One step in one transaction: keys for up to `chunks` chunks, of as many imports as that
    /// reaches (an import without chunks counts as one). Returns false when every import was
    /// indexed already; throws `UpkeepBusy` when another daemon or an undo holds what it needs.
    public func step(chunks: Int, now: Timestamp) throws -> Bool {
        try Self.upkeep(connection) {
            var budget = max(1, chunks)
            var found = false
            while budget > 0, let next = try nextImport() {
                found = true
                let (indexed, more) = try index(next.id, after: next.afterLine, chunks: budget)
                budget -= max(1, indexed)
                if more {
                    break
                }
                try connection.query(
                    "UPDATE imports SET lineage_indexed_at = $2 WHERE id = $1",
                    [String(next.id), String(now.millisecondsSinceEpoch)])
                try connection.query("DELETE FROM lineage_progress WHERE import_id = $1", [String(next.id)])
            }
            return found
        }
    }

    /// The import being indexed, else the oldest not indexed yet.
    private func nextImport() throws -> (id: Int64, afterLine: Int64)? {
        if let row = try connection.query("SELECT import_id, after_line FROM lineage_progress LIMIT 1").first
        {
            guard row.count == 2 else {
                throw PostgresError(.data, message: "a progress row without its columns")
            }
            return (
                try PostgresImportHistory.int(row[0], "an import id"),
                try PostgresImportHistory.int(row[1], "a line")
            )
        }
        guard
            let id = try connection.scalar(
                "SELECT id FROM imports WHERE lineage_indexed_at IS NULL ORDER BY id LIMIT 1")
        else { return nil }
        return (try PostgresImportHistory.int(id, "an import id"), 0)
    }

    /// Keys for up to `chunks` chunks of import `id` after line `afterLine`; says how many it
    /// read and whether chunks are left (then its progress row says where it stopped).
    private func index(_ id: Int64, after afterLine: Int64, chunks: Int) throws -> (indexed: Int, more: Bool)
    {
        let rows = try connection.query(
            """
            SELECT first_line, row_count, rows FROM import_row_chunks
            WHERE import_id = $1 AND first_line > $2 ORDER BY first_line LIMIT $3
            """,
            [String(id), String(afterLine), String(chunks + 1)])
        var keys: [(key: Int64, firstLine: Int64)] = []
        var lastLine = afterLine
        for row in rows.prefix(chunks) {
            let chunk = try Self.chunk(row)
            for key in try LineageKey.keys(
                ofChunk: chunk.rows, firstLine: chunk.firstLine, rowCount: chunk.rowCount)
            {
                keys.append((key, chunk.firstLine))
            }
            lastLine = chunk.firstLine
        }
        // In key order: neighbouring inserts land on the same pages of the B-tree.
        keys.sort { ($0.key, $0.firstLine) < ($1.key, $1.firstLine) }
        try connection.query(
            """
            INSERT INTO lineage_keys (email_key, import_id, first_line)
            SELECT k.key, $2, k.line FROM unnest($1::integer[], $3::bigint[]) AS k(key, line)
            ON CONFLICT DO NOTHING
            """,
            [
                PostgresArray.integers(keys.map(\.key)), String(id),
                PostgresArray.integers(keys.map(\.firstLine)),
            ])
        let more = rows.count > chunks
        if more {
            try connection.query(
                """
                INSERT INTO lineage_progress (import_id, after_line) VALUES ($1, $2)
                ON CONFLICT (import_id) DO UPDATE SET after_line = excluded.after_line
                """,
                [String(id), String(lastLine)])
        }
        return (min(rows.count, chunks), more)
    }

    private static func chunk(_ row: [String?]) throws -> (firstLine: Int64, rowCount: Int64, rows: [UInt8]) {
        guard row.count == 3 else { throw PostgresError(.data, message: "a row chunk without its columns") }
        return (
            try PostgresImportHistory.int(row[0], "a chunk's first line"),
            try PostgresImportHistory.int(row[1], "a chunk's row count"),
            try PostgresConnection.bytes(row[2])
        )
    }
}
