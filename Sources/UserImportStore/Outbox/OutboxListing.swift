import UserImportCore

/// One queued email, as `userimportctl outbox` shows it.
public struct OutboxEntry: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case pending, sent, failed
        /// Queued by an import that was undone before it was sent: never sent.
        case cancelled
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

    public init(
        id: Int64, importID: Int64, line: Int, kind: NotificationKind, email: String, state: State,
        attempts: Int, createdAt: Timestamp, lastError: String?
    ) {
        self.id = id
        self.importID = importID
        self.line = line
        self.kind = kind
        self.email = email
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
        self.lastError = lastError
    }
}

/// The outbox, read side: the `outbox` table's rows and the entries still in blocks, which are
/// pending, never attempted, and already have their ids.
public final class OutboxListing {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    /// Newest first (highest id). Every entry still in a block has a higher id than every row of
    /// `outbox` (see `OutboxBlock`), so the blocks' entries come first, newest block first, and a
    /// block is decoded only while the listing still needs entries. Handed to `body` one at a
    /// time: a listing of a million emails (`outbox --json` without a limit) never sits in memory.
    /// nil `limit`: every entry.
    public func forEachEntry(
        state: OutboxEntry.State? = nil, offset: Int = 0, limit: Int?, _ body: (OutboxEntry) throws -> Void
    ) throws {
        var page = OutboxPage(skip: offset, left: limit ?? .max)
        try connection.reading {
            if state == nil || state == .pending { try visitBlockEntries(&page, body) }
            if page.left > 0 { try visitRows(&page, state: state, body) }
        }
    }

    /// Entries in a state, or in every state when nil.
    public func count(state: OutboxEntry.State?) throws -> Int {
        guard let state else {
            return try OutboxEntry.State.allCases.reduce(0) { $0 + (try count(state: $1)) }
        }
        return try count(state: state)
    }

    public func count(state: OutboxEntry.State) throws -> Int {
        guard state == .pending else {
            return Int(
                try connection.scalar("SELECT count(*) FROM outbox WHERE state = ?", .text(state.rawValue))
                    ?? 0)
        }
        // One statement, one snapshot: an expansion in between cannot count an email twice.
        return Int(
            try connection.scalar(
                """
                SELECT (SELECT count(*) FROM outbox WHERE state = 'pending')
                     + (SELECT coalesce(sum(entry_count - expanded), 0) FROM outbox_blocks)
                """) ?? 0)
    }

    private func visitBlockEntries(_ page: inout OutboxPage, _ body: (OutboxEntry) throws -> Void) throws {
        let blocks = try connection.prepare(
            "SELECT \(OutboxBlock.columns) FROM outbox_blocks ORDER BY first_id DESC")
        defer { blocks.reset() }
        while page.left > 0, try blocks.step() {
            try OutboxBlock(blocks).visitPending(&page, body)
        }
    }

    private func visitRows(
        _ page: inout OutboxPage, state: OutboxEntry.State?, _ body: (OutboxEntry) throws -> Void
    ) throws {
        let statement = try connection.prepare(
            """
            SELECT id, import_id, line, kind, email, state, attempts, created_at, last_error FROM outbox
            WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2 OFFSET ?3
            """)
        defer { statement.reset() }
        // LIMIT -1 is no limit.
        try statement.bind(
            .optionalText(state?.rawValue), .int(page.left == .max ? -1 : Int64(page.left)),
            .int(Int64(page.skip)))
        page.skip = 0
        while page.left > 0, try statement.step() {
            guard let kind = NotificationKind(rawValue: statement.text(3)),
                let state = OutboxEntry.State(rawValue: statement.text(5))
            else { throw StoreError.corruptRecord("outbox row \(statement.int(0))") }
            page.left -= 1
            try body(
                OutboxEntry(
                    id: statement.int(0), importID: statement.int(1), line: Int(statement.int(2)), kind: kind,
                    email: statement.text(4), state: state, attempts: Int(statement.int(6)),
                    createdAt: Timestamp(millisecondsSinceEpoch: statement.int(7)),
                    lastError: statement.optionalText(8)))
        }
    }
}
