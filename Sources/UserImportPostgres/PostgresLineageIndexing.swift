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
            try PostgresChunkPass(
                connection: connection, mark: "lineage_indexed_at", progress: "lineage_progress"
            )
            .step(chunks: chunks, now: now) { id, chunks in
                var keys: [(key: Int64, firstLine: Int64)] = []
                for chunk in chunks {
                    for key in try LineageKey.keys(
                        ofChunk: chunk.rows, firstLine: chunk.firstLine, rowCount: chunk.rowCount)
                    {
                        keys.append((key, chunk.firstLine))
                    }
                }
                try insert(keys, of: id)
            }
        }
    }

    /// In key order: neighbouring inserts land on the same pages of the B-tree.
    private func insert(_ unsorted: [(key: Int64, firstLine: Int64)], of id: Int64) throws {
        let keys = unsorted.sorted { ($0.key, $0.firstLine) < ($1.key, $1.firstLine) }
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
    }
}
