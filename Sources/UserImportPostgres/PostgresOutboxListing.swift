import UserImportCore
import UserImportStore

/// The outbox on PostgreSQL as `userimportctl` reads it, listed as the SQLite one is: the entries
/// still in blocks first (newest block first, each decoded only while entries are still wanted),
/// then the rows, newest first, all in one snapshot so an expansion meanwhile shows no email twice.
public struct PostgresOutboxListing: OutboxReading {
    private let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public func forEachEntry(
        state: OutboxEntry.State? = nil, offset: Int = 0, limit: Int?, _ body: (OutboxEntry) throws -> Void
    ) throws {
        var page = OutboxPage(skip: max(0, offset), left: limit ?? .max)
        // Blocks and rows in one snapshot.
        try connection.rolledBackSnapshot {
            if state == nil || state == .pending {
                var below = Int64.max
                while page.left > 0 {
                    let blocks = try connection.query(
                        """
                        SELECT \(OutboxBlock.columns) FROM outbox_blocks
                        WHERE first_id < $1 ORDER BY first_id DESC LIMIT 16
                        """,
                        [String(below)])
                    for row in blocks where page.left > 0 {
                        let block = try OutboxBlock(postgresRow: row)
                        below = block.firstID
                        try block.visitPending(&page, body)
                    }
                    if blocks.count < 16 { break }
                }
            }
            guard page.left > 0 else { return }
            var below = Int64.max
            try KeysetPages.read(offset: page.skip, limit: page.left) { pageSize, skip in
                let rows = try connection.query(
                    """
                    SELECT id, import_id, line, kind, email, state, attempts, created_at, last_error FROM outbox
                    WHERE ($1::text IS NULL OR state = $1) AND id < $2 ORDER BY id DESC LIMIT $3 OFFSET $4
                    """,
                    [state?.rawValue, String(below), String(pageSize), String(skip)])
                for row in rows {
                    let entry = try Self.entry(row)
                    below = entry.id
                    try body(entry)
                }
                return rows.count
            }
        }
    }

    public func count(state: OutboxEntry.State?) throws -> Int {
        let pendingInBlocks = "(SELECT coalesce(sum(entry_count - expanded), 0) FROM outbox_blocks)"
        let sql: String
        switch state {
        case nil: sql = "SELECT (SELECT count(*) FROM outbox) + \(pendingInBlocks)"
        case .pending?:
            sql = "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending') + \(pendingInBlocks)"
        case let other?: sql = "SELECT count(*) FROM outbox WHERE state = '\(other.rawValue)'"
        }
        return Int(try PostgresImportHistory.int(try connection.scalar(sql), "a count"))
    }

    static func entry(_ row: [String?]) throws -> OutboxEntry {
        guard row.count == 9, let kindText = row[3], let kind = NotificationKind(rawValue: kindText),
            let stateText = row[5], let state = OutboxEntry.State(rawValue: stateText), let email = row[4]
        else { throw PostgresError(.data, message: "an outbox row without its columns") }
        return OutboxEntry(
            id: try PostgresImportHistory.int(row[0], "an outbox id"),
            importID: try PostgresImportHistory.int(row[1], "an outbox row's import"),
            line: Int(try PostgresImportHistory.int(row[2], "an outbox row's line")), kind: kind,
            email: email,
            state: state, attempts: Int(try PostgresImportHistory.int(row[6], "an outbox row's attempts")),
            createdAt: Timestamp(millisecondsSinceEpoch: try PostgresImportHistory.int(row[7], "a time")),
            lastError: row[8])
    }
}
