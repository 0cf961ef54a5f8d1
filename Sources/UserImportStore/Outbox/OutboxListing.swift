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
    /// block is decoded only while the listing still needs entries.
    public func entries(state: OutboxEntry.State? = nil, offset: Int = 0, limit: Int = 1000) throws
        -> [OutboxEntry]
    {
        guard offset > 0 else { return try newest(state: state, limit: limit) }
        let (wanted, overflow) = offset.addingReportingOverflow(limit)
        return Array(try newest(state: state, limit: overflow ? .max : wanted).dropFirst(offset))
    }

    private func newest(state: OutboxEntry.State?, limit: Int) throws -> [OutboxEntry] {
        try connection.reading {
            var result: [OutboxEntry] = []
            if state == nil || state == .pending {
                try appendBlockEntries(to: &result, limit: limit)
            }
            if result.count < limit {
                try appendRows(to: &result, state: state, limit: limit - result.count)
            }
            return result
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

    private func appendBlockEntries(to result: inout [OutboxEntry], limit: Int) throws {
        let blocks = try connection.prepare(
            "SELECT \(OutboxBlock.columns) FROM outbox_blocks ORDER BY first_id DESC")
        defer { blocks.reset() }
        while result.count < limit, try blocks.step() {
            let block = try OutboxBlock(blocks)
            let entries = try block.entries()
            for index in stride(from: block.count - 1, through: block.expanded, by: -1) {
                guard result.count < limit else { break }
                let entry = entries[index]
                result.append(
                    OutboxEntry(
                        id: block.id(index), importID: block.importID, line: entry.line, kind: entry.kind,
                        email: entry.email, state: .pending, attempts: 0,
                        createdAt: Timestamp(millisecondsSinceEpoch: block.createdAt), lastError: nil))
            }
        }
    }

    private func appendRows(to result: inout [OutboxEntry], state: OutboxEntry.State?, limit: Int) throws {
        let statement = try connection.prepare(
            """
            SELECT id, import_id, line, kind, email, state, attempts, created_at, last_error FROM outbox
            WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2
            """)
        defer { statement.reset() }
        try statement.bind(.optionalText(state?.rawValue), .int(Int64(limit)))
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
    }
}
