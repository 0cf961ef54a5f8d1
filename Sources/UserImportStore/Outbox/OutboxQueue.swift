import UserImportCore

/// A queued email with what its message needs.
public struct PendingMail: Sendable, Equatable {
    public var id: Int64
    public var kind: NotificationKind
    public var user: StoredUser
    public var attempts: Int

    public init(id: Int64, kind: NotificationKind, user: StoredUser, attempts: Int) {
        self.id = id
        self.kind = kind
        self.user = user
        self.attempts = attempts
    }
}

/// The outbox, delivery side: what is due, and what became of each attempt.
///
/// Imports queue emails in blocks (`OutboxBlock`); delivery expands them into `outbox` rows a step
/// at a time, only as it runs short of due rows, so a million queued emails never make one long
/// transaction that an import would wait for.
public final class OutboxQueue {
    /// Entries moved from blocks to rows per transaction: a few milliseconds of write lock.
    public static let expansionStep = 1_000

    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    /// Pending emails whose next attempt is due, oldest first, at most `limit`. When fewer are due,
    /// one expansion step tops up the rows first. Names come from the outbox row (as they were when
    /// the email was queued); title and department from the directory.
    public func due(now: Timestamp, limit: Int) throws -> [PendingMail] {
        let mail = try dueRows(now: now, limit: limit)
        guard mail.count < limit, try hasBlocks(), try expand(atMost: max(Self.expansionStep, limit)) > 0
        else {
            return mail
        }
        return try dueRows(now: now, limit: limit)
    }

    /// Moves up to `count` entries, oldest block first and each block in order, into `outbox` as
    /// pending rows with the ids they were given when queued; a block whose entries are all rows is
    /// deleted. One transaction: an entry is in its block or in `outbox`, never both, never neither.
    /// A step may span many blocks (a day of one-line files queues one small block each). Returns
    /// how many entries moved (0 when no block is left).
    @discardableResult
    public func expand(atMost count: Int) throws -> Int {
        let next = try connection.prepare(
            "SELECT \(OutboxBlock.columns) FROM outbox_blocks WHERE first_id > ?1 ORDER BY first_id LIMIT 1")
        let insert = try connection.prepare(
            """
            INSERT INTO outbox (id, import_id, line, kind, email, first_name, last_name, created_at, next_attempt_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
            """)
        let advance = try connection.prepare("UPDATE outbox_blocks SET expanded = ?2 WHERE first_id = ?1")
        let delete = try connection.prepare("DELETE FROM outbox_blocks WHERE first_id = ?1")
        return try connection.transaction {
            var moved = 0
            var after: Int64 = 0
            while moved < count {
                try next.bind(.int(after))
                guard try next.step() else { break }
                let block = try OutboxBlock(next)
                next.reset()
                let entries = try block.entries()
                let end = min(block.count, block.expanded + (count - moved))
                for index in block.expanded..<end {
                    let entry = entries[index]
                    try insert.run(
                        .int(block.id(index)), .int(block.importID), .int(Int64(entry.line)),
                        .text(entry.kind.rawValue), .text(entry.email), .text(entry.firstName),
                        .text(entry.lastName), .int(block.createdAt))
                }
                if end == block.count {
                    try delete.run(.int(block.firstID))
                } else {
                    try advance.run(.int(block.firstID), .int(Int64(end)))
                }
                moved += end - block.expanded
                after = block.firstID
            }
            return moved
        }
    }

    /// When the next pending email is due; nil when none is pending. An entry still in a block is
    /// due from when it was queued, as its row will be once expanded.
    public func nextDue() throws -> Timestamp? {
        try connection.scalar(
            """
            SELECT min(due) FROM (
                SELECT min(coalesce(next_attempt_at, 0)) AS due FROM outbox WHERE state = 'pending'
                UNION ALL SELECT min(created_at) FROM outbox_blocks)
            """
        ).map(Timestamp.init(millisecondsSinceEpoch:))
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

    /// Whether the email is still to be sent (not cancelled by an undo since it was read).
    public func isPending(id: Int64) throws -> Bool {
        try connection.scalar("SELECT state = 'pending' FROM outbox WHERE id = ?", .int(id)) == 1
    }

    /// Runs `send` if the email is still pending. One host writes this file: the daemon's lock
    /// around the send, which an undo commits under, keeps a cancelled email from going out.
    public func whilePending<T>(id: Int64, _ send: () throws -> T) throws -> T? {
        try isPending(id: id) ? try send() : nil
    }

    /// Cancels the still-pending emails an import queued for `lines` (an undo of it, inside the
    /// undo's transaction); entries still in blocks are moved into rows first. Returns how many.
    public func cancel(importID: Int64, lines: [(line: Int, kind: NotificationKind)]) throws -> Int {
        guard !lines.isEmpty else { return 0 }
        try expandAll(importID: importID)
        let cancel = try connection.prepare(
            "UPDATE outbox SET state = 'cancelled' WHERE import_id = ? AND line = ? AND kind = ? AND state = 'pending'"
        )
        var cancelled = 0
        for entry in lines {
            try cancel.run(.int(importID), .int(Int64(entry.line)), .text(entry.kind.rawValue))
            cancelled += connection.changes
        }
        return cancelled
    }

    /// Moves every entry of one import's blocks into `outbox` rows, in the caller's transaction.
    private func expandAll(importID: Int64) throws {
        let blocks = try connection.prepare(
            "SELECT \(OutboxBlock.columns) FROM outbox_blocks WHERE import_id = ? ORDER BY first_id")
        let insert = try connection.prepare(
            """
            INSERT INTO outbox (id, import_id, line, kind, email, first_name, last_name, created_at, next_attempt_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
            """)
        try blocks.bind(.int(importID))
        var found: [OutboxBlock] = []
        while try blocks.step() { found.append(try OutboxBlock(blocks)) }
        blocks.reset()
        for block in found {
            let entries = try block.entries()
            for index in block.expanded..<block.count {
                let entry = entries[index]
                try insert.run(
                    .int(block.id(index)), .int(block.importID), .int(Int64(entry.line)),
                    .text(entry.kind.rawValue),
                    .text(entry.email), .text(entry.firstName), .text(entry.lastName), .int(block.createdAt))
            }
            try connection.prepare("DELETE FROM outbox_blocks WHERE first_id = ?").run(.int(block.firstID))
        }
    }

    /// A plain read, so that a delivery loop with nothing to expand never asks for the write lock.
    private func hasBlocks() throws -> Bool {
        try connection.scalar("SELECT EXISTS (SELECT 1 FROM outbox_blocks)") == 1
    }

    private func dueRows(now: Timestamp, limit: Int) throws -> [PendingMail] {
        let statement = try connection.prepare(
            """
            SELECT o.id, o.kind, o.email, o.first_name, o.last_name, o.attempts,
                   coalesce(u.title, ''), coalesce(u.department, ''), coalesce(u.state, 'invited')
            FROM outbox o LEFT JOIN users u ON u.email = o.email
            WHERE o.state = 'pending' AND coalesce(o.next_attempt_at, 0) <= ?1
            ORDER BY o.id LIMIT ?2
            """)
        defer { statement.reset() }
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
}
