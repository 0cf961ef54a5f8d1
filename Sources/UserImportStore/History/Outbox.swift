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

/// A queued email with what its message needs.
public struct PendingMail: Sendable, Equatable {
    public var id: Int64
    public var kind: NotificationKind
    public var user: StoredUser
    public var attempts: Int
}

/// The outbox table, delivery side: what is due, and what became of each attempt.
public final class OutboxQueue {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    /// Pending emails whose next attempt is due, oldest first. Names come from the outbox row (as
    /// they were when the email was queued); title and department from the directory.
    public func due(now: Timestamp, limit: Int) throws -> [PendingMail] {
        let statement = try connection.prepare(
            """
            SELECT o.id, o.kind, o.email, o.first_name, o.last_name, o.attempts,
                   coalesce(u.title, ''), coalesce(u.department, ''), coalesce(u.state, 'invited')
            FROM outbox o LEFT JOIN users u ON u.email = o.email
            WHERE o.state = 'pending' AND coalesce(o.next_attempt_at, 0) <= ?1
            ORDER BY o.id LIMIT ?2
            """)
        try statement.bind(.int(now.millisecondsSinceEpoch), .int(Int64(limit)))
        var result: [PendingMail] = []
        while try statement.step() {
            guard let kind = NotificationKind(rawValue: statement.text(1)) else {
                throw StoreError.corruptRecord("outbox kind of \(statement.int(0))")
            }
            let user = StoredUser(
                email: statement.text(2),
                profile: UserProfile(
                    firstName: statement.text(3), lastName: statement.text(4), title: statement.text(6),
                    department: statement.text(7)),
                state: UserState(rawValue: statement.text(8)) ?? .invited)
            result.append(
                PendingMail(id: statement.int(0), kind: kind, user: user, attempts: Int(statement.int(5))))
        }
        return result
    }

    /// When the next pending email is due; nil when none is pending.
    public func nextDue() throws -> Timestamp? {
        try connection.scalar("SELECT min(coalesce(next_attempt_at, 0)) FROM outbox WHERE state = 'pending'")
            .map(Timestamp.init(millisecondsSinceEpoch:))
    }

    /// What one delivery attempt came to.
    public enum Outcome: Sendable, Equatable {
        case sent(id: Int64, attempts: Int, at: Timestamp)
        case retry(id: Int64, attempts: Int, next: Timestamp, error: String)
        case failed(id: Int64, attempts: Int, error: String)
    }

    /// Records a batch of outcomes in one transaction: one short write lock (and one fsync) per
    /// batch rather than per email, so delivery hardly ever makes an import wait.
    public func record(_ outcomes: [Outcome]) throws {
        guard !outcomes.isEmpty else { return }
        let sent = try connection.prepare(
            "UPDATE outbox SET state = 'sent', attempts = ?2, sent_at = ?3, last_error = NULL WHERE id = ?1")
        let retry = try connection.prepare(
            "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 WHERE id = ?1")
        let failed = try connection.prepare(
            "UPDATE outbox SET state = 'failed', attempts = ?2, last_error = ?3 WHERE id = ?1")
        try connection.transaction {
            for outcome in outcomes {
                switch outcome {
                case .sent(let id, let attempts, let time):
                    try sent.run(.int(id), .int(Int64(attempts)), .int(time.millisecondsSinceEpoch))
                case .retry(let id, let attempts, let next, let error):
                    try retry.run(
                        .int(id), .int(Int64(attempts)), .int(next.millisecondsSinceEpoch), .text(error))
                case .failed(let id, let attempts, let error):
                    try failed.run(.int(id), .int(Int64(attempts)), .text(error))
                }
            }
        }
    }
}
