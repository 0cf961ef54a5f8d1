import UserImportCore
import UserImportStore

/// The outbox's delivery side on PostgreSQL, as `OutboxQueue` is on SQLite: blocks expanded into
/// `outbox` rows a step at a time, due emails handed out oldest first, outcomes recorded in batches.
///
/// Several daemons may deliver from one database: an email handed out is leased to its daemon
/// (its next attempt moved `leaseMilliseconds` ahead, the row locked while that is written, so no
/// other daemon takes it meanwhile). A daemon that dies before recording the outcome lets the lease
/// run out and another sends the email: at least once, as on one host, with the same Message-ID.
public final class PostgresOutboxQueue {
    public static let expansionStep = 1_000

    private let url: String
    private var connection: PostgresConnection?
    private let leaseMilliseconds: Int64

    /// Connects when first used, and again after the connection was lost.
    public init(url: String, leaseMilliseconds: Int64 = 300_000) {
        self.url = url
        self.leaseMilliseconds = leaseMilliseconds
    }

    private func connected() throws -> PostgresConnection {
        if let connection, connection.isConnected { return connection }
        connection = nil
        let fresh = try PostgresConnection(url: url)
        connection = fresh
        return fresh
    }

    /// Pending emails whose next attempt is due, oldest first, at most `limit`, leased to this
    /// daemon; when fewer are due, one expansion step tops up the rows first.
    public func due(now: Timestamp, limit: Int) throws -> [PendingMail] {
        let mail = try take(now: now, limit: limit)
        guard mail.count < limit, try expand(atMost: max(Self.expansionStep, limit)) > 0 else { return mail }
        return mail + (try take(now: now, limit: limit - mail.count))
    }

    /// Moves up to `count` entries, oldest block first, into `outbox` rows with the ids they were
    /// given when queued, in one transaction; a block whose entries are all rows is deleted.
    @discardableResult
    public func expand(atMost count: Int) throws -> Int {
        let connection = try connected()
        return try connection.transaction {
            var moved = 0
            var after: Int64 = 0
            while moved < count {
                // Locked, or skipped when another daemon is expanding it.
                guard
                    let row = try connection.query(
                        """
                        SELECT \(OutboxBlock.columns) FROM outbox_blocks
                        WHERE first_id > $1 ORDER BY first_id LIMIT 1 FOR UPDATE SKIP LOCKED
                        """,
                        [String(after)]
                    ).first
                else { break }
                let (firstID, entries) = try Self.move(block: row, atMost: count - moved, on: connection)
                moved += entries
                after = firstID
            }
            return moved
        }
    }

    /// Moves up to `limit` of a locked block's entries (a row of `OutboxBlock.columns`) into
    /// `outbox` rows with the ids they were given when queued; deletes the block once all are rows.
    /// Returns its first id and how many moved.
    static func move(block row: [String?], atMost limit: Int, on connection: PostgresConnection) throws
        -> (firstID: Int64, moved: Int)
    {
        let block = try OutboxBlock(postgresRow: row)
        let entries = try block.entries()
        let end = block.expanded + min(block.count - block.expanded, limit)
        var rows = CopyRows()
        for index in block.expanded..<end {
            let entry = entries[index]
            rows.field(block.id(index))
            rows.field(block.importID)
            rows.field(Int64(entry.line))
            try rows.field(entry.kind.rawValue)
            try rows.field(entry.email)
            try rows.field(entry.firstName)
            try rows.field(entry.lastName)
            rows.field(block.createdAt)
            rows.field(block.createdAt)
            rows.endRow()
        }
        try connection.copy(
            """
            COPY outbox (id, import_id, line, kind, email, first_name, last_name, created_at, next_attempt_at)
            FROM STDIN
            """, rows)
        if end == block.count {
            try connection.query("DELETE FROM outbox_blocks WHERE first_id = $1", [String(block.firstID)])
        } else {
            try connection.query(
                "UPDATE outbox_blocks SET expanded = $2 WHERE first_id = $1",
                [String(block.firstID), String(end)])
        }
        return (block.firstID, end - block.expanded)
    }

    /// Every entry of one import's blocks as rows, in the caller's transaction (an undo cancels
    /// rows).
    static func expandAll(importID: Int64, on connection: PostgresConnection) throws {
        let blocks = try connection.query(
            """
            SELECT \(OutboxBlock.columns) FROM outbox_blocks
            WHERE import_id = $1 ORDER BY first_id FOR UPDATE
            """,
            [String(importID)])
        for block in blocks { _ = try move(block: block, atMost: .max, on: connection) }
    }

    /// When the next pending email is due; nil when none is pending.
    public func nextDue() throws -> Timestamp? {
        let text = try connected().scalar(
            """
            SELECT least((SELECT min(coalesce(next_attempt_at, 0)) FROM outbox WHERE state = 'pending'),
                         (SELECT min(created_at) FROM outbox_blocks))
            """)
        return try text.map {
            Timestamp(millisecondsSinceEpoch: try PostgresImportHistory.int($0, "a due time"))
        }
    }

    /// Records a batch of outcomes in one transaction.
    public func record(_ outcomes: [OutboxQueue.Outcome]) throws {
        guard !outcomes.isEmpty else { return }
        let connection = try connected()
        try connection.transaction {
            for outcome in outcomes {
                switch outcome {
                case .sent(let id, let attempts, let time):
                    try connection.query(
                        "UPDATE outbox SET state = 'sent', attempts = $2, sent_at = $3, last_error = NULL WHERE id = $1",
                        [String(id), String(attempts), String(time.millisecondsSinceEpoch)])
                case .retry(let id, let attempts, let next, let error):
                    try connection.query(
                        "UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $1",
                        [String(id), String(attempts), String(next.millisecondsSinceEpoch), error])
                case .failed(let id, let attempts, let error):
                    try connection.query(
                        "UPDATE outbox SET state = 'failed', attempts = $2, last_error = $3 WHERE id = $1",
                        [String(id), String(attempts), error])
                }
            }
        }
    }

    /// Runs `send` if the email is still pending, holding its row until `send` returns: an undo on
    /// another host that cancels the email meanwhile waits for the send (`PostgresUndo.cancel`),
    /// and one that committed first is seen. On one host the daemon's own lock does this.
    public func whilePending<T>(id: Int64, _ send: () throws -> T) throws -> T? {
        let connection = try connected()
        return try connection.transaction {
            let pending = try connection.scalar(
                "SELECT state = 'pending' FROM outbox WHERE id = $1 FOR SHARE", [String(id)])
            return pending == "t" ? try send() : nil
        }
    }

    /// Due rows, each leased to this daemon in the same statement: rows another daemon is taking at
    /// this moment are skipped, not waited for.
    private func take(now: Timestamp, limit: Int) throws -> [PendingMail] {
        guard limit > 0 else { return [] }
        let rows = try connected().query(
            """
            WITH taken AS (
                UPDATE outbox SET next_attempt_at = $1::bigint + $3::bigint
                WHERE id IN (
                    SELECT id FROM outbox WHERE state = 'pending' AND coalesce(next_attempt_at, 0) <= $1::bigint
                    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
                RETURNING id, kind, email, first_name, last_name, attempts)
            SELECT t.id, t.kind, t.email, t.first_name, t.last_name, t.attempts,
                   coalesce(u.title, ''), coalesce(u.department, ''), coalesce(u.state, 'invited')
            FROM taken t LEFT JOIN users u ON u.email = t.email
            ORDER BY t.id
            """,
            [String(now.millisecondsSinceEpoch), String(limit), String(leaseMilliseconds)])
        return try rows.map { row in
            guard row.count == 9, let kindText = row[1], let kind = NotificationKind(rawValue: kindText),
                let email = row[2]
            else { throw PostgresError(.data, message: "an outbox row without its kind or email") }
            let user = StoredUser(
                email: email,
                profile: UserProfile(
                    firstName: row[3] ?? "", lastName: row[4] ?? "", title: row[6] ?? "",
                    department: row[7] ?? ""),
                state: UserState(rawValue: row[8] ?? "") ?? .invited)
            return PendingMail(
                id: try PostgresImportHistory.int(row[0], "an outbox id"), kind: kind, user: user,
                attempts: Int(try PostgresImportHistory.int(row[5], "an outbox row's attempts")))
        }
    }
}

extension OutboxBlock {
    /// A row selected with `OutboxBlock.columns` from the server, checked as the file's are.
    init(postgresRow row: [String?]) throws {
        guard row.count == 6 else {
            throw PostgresError(.data, message: "an outbox block without its columns")
        }
        try self.init(
            firstID: try PostgresImportHistory.int(row[0], "an outbox block's first id"),
            importID: try PostgresImportHistory.int(row[1], "an outbox block's import"),
            count: try PostgresImportHistory.int(row[2], "an outbox block's count"),
            expanded: try PostgresImportHistory.int(row[3], "an outbox block's expanded count"),
            createdAt: try PostgresImportHistory.int(row[4], "an outbox block's time"),
            bytes: try PostgresConnection.bytes(row[5]))
    }
}
