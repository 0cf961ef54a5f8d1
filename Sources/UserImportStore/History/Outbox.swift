import UserImportCore

/// One queued email, as `userimportctl outbox` shows it.
public struct OutboxEntry: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case pending, sent, failed
    }

    public var id: Int64
    public var importID: Int64
    public var line: Int
    public var kind: NotificationKind
    public var email: String
    public var state: State
    public var attempts: Int
    public var createdAt: Timestamp
    public var lastError: String?
}

/// The outbox table, read side.
public final class OutboxListing {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    public func entries(state: OutboxEntry.State? = nil, limit: Int = 1000) throws -> [OutboxEntry] {
        let statement = try connection.prepare(
            """
            SELECT id, import_id, line, kind, email, state, attempts, created_at, last_error FROM outbox
            WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2
            """)
        try statement.bind(.optionalText(state?.rawValue), .int(Int64(limit)))
        var result: [OutboxEntry] = []
        while try statement.step() {
            guard let kind = NotificationKind(rawValue: statement.text(3)),
                let state = OutboxEntry.State(rawValue: statement.text(5))
            else { throw StoreError.corruptRecord("outbox row \(statement.int(0))") }
            result.append(
                OutboxEntry(
                    id: statement.int(0), importID: statement.int(1), line: Int(statement.int(2)), kind: kind,
                    email: statement.text(4), state: state, attempts: Int(statement.int(6)),
                    createdAt: Timestamp(millisecondsSinceEpoch: statement.int(7)),
                    lastError: statement.optionalText(8)))
        }
        return result
    }

    public func count(state: OutboxEntry.State) throws -> Int {
        Int(try connection.scalar("SELECT count(*) FROM outbox WHERE state = ?", .text(state.rawValue)) ?? 0)
    }
}
