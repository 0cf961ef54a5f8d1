import UserImportCore

/// One row of `outbox_blocks`: consecutive emails queued by one import, in file order, stored as
/// one blob (`OutboxBlockCodec`) so that queueing a million emails writes a few hundred rows.
///
/// Entry `i` has the outbox id `firstID + i`, given when it was queued and kept when the delivery
/// loop expands it into an `outbox` row. Entries before `expanded` are rows of `outbox` already.
///
/// Ids are handed out in queue order (`nextFreeID`) and blocks are expanded oldest first, entry by
/// entry, so every `outbox` row has a lower id than every entry still in a block. The listing
/// relies on this (newest first: the blocks' entries, then the table's rows).
public struct OutboxBlock {
    public var firstID: Int64
    public var importID: Int64
    public var count: Int
    public var expanded: Int
    public var createdAt: Int64
    public var bytes: [UInt8]

    public static let columns = "first_id, import_id, entry_count, expanded, created_at, entries"

    /// A row as either backend stored it, checking what the codec cannot.
    public init(
        firstID: Int64, importID: Int64, count: Int64, expanded: Int64, createdAt: Int64, bytes: [UInt8]
    ) throws {
        // Ids up to `firstID + count - 1` must fit an Int64: a corrupt row must not trap.
        guard firstID >= 1, count >= 1, firstID <= Int64.max - count, expanded >= 0, expanded < count else {
            throw StoreError.corruptRecord(
                "outbox block \(firstID): \(expanded) of \(count) entries expanded")
        }
        self.firstID = firstID
        self.importID = importID
        self.count = Int(count)
        self.expanded = Int(expanded)
        self.createdAt = createdAt
        self.bytes = bytes
    }

    /// Reads a row selected with `columns`.
    init(_ statement: SQLiteStatement) throws {
        try self.init(
            firstID: statement.int(0), importID: statement.int(1), count: statement.int(2),
            expanded: statement.int(3), createdAt: statement.int(4), bytes: statement.blob(5))
    }

    /// The outbox id of entry `index`.
    public func id(_ index: Int) -> Int64 { firstID + Int64(index) }

    public func entries() throws -> [OutboxBlockEntry] {
        try OutboxBlockCodec.decode(bytes, count: count, name: "outbox block \(firstID)")
    }

    /// Hands the entries still in the block to `body`, newest first, as far as `page` asks; a
    /// block wholly skipped is not decoded.
    public func visitPending(_ page: inout OutboxPage, _ body: (OutboxEntry) throws -> Void) throws {
        let pending = count - expanded
        if page.skip >= pending {
            page.skip -= pending
            return
        }
        let entries = try entries()
        for index in stride(from: count - 1, through: expanded, by: -1) {
            guard page.left > 0 else { break }
            guard page.admits() else { continue }
            let entry = entries[index]
            try body(
                OutboxEntry(
                    id: id(index), importID: importID, line: entry.line, kind: entry.kind, email: entry.email,
                    state: .pending, attempts: 0, createdAt: Timestamp(millisecondsSinceEpoch: createdAt),
                    lastError: nil))
        }
    }

    /// The id the next queued email gets: one past every id in `outbox` and in any block.
    static func nextFreeID(_ connection: SQLiteConnection) throws -> Int64 {
        let highest = try connection.scalar(
            """
            SELECT max(coalesce((SELECT max(id) FROM outbox), 0),
                       coalesce((SELECT first_id + entry_count - 1 FROM outbox_blocks
                                 ORDER BY first_id DESC LIMIT 1), 0))
            """)
        let (next, overflow) = (highest ?? 0).addingReportingOverflow(1)
        guard !overflow else { throw StoreError.corruptRecord("outbox id \(highest ?? 0)") }
        return next
    }
}

/// What an outbox listing has left to skip and to hand out, across its blocks and then its rows.
public struct OutboxPage {
    public var skip: Int
    public var left: Int

    public init(skip: Int, left: Int) {
        self.skip = skip
        self.left = left
    }

    /// Whether the next entry is handed out (else it is skipped).
    mutating func admits() -> Bool {
        if skip > 0 {
            skip -= 1
            return false
        }
        left -= 1
        return true
    }
}
