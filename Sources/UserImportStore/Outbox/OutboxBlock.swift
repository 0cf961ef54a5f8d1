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
struct OutboxBlock {
    var firstID: Int64
    var importID: Int64
    var count: Int
    var expanded: Int
    var createdAt: Int64
    var bytes: [UInt8]

    static let columns = "first_id, import_id, entry_count, expanded, created_at, entries"

    /// Reads a row selected with `columns`, checking what the codec cannot.
    init(_ statement: SQLiteStatement) throws {
        firstID = statement.int(0)
        importID = statement.int(1)
        let count = statement.int(2)
        let expanded = statement.int(3)
        // Ids up to `firstID + count - 1` must fit an Int64: a corrupt row must not trap.
        guard firstID >= 1, count >= 1, firstID <= Int64.max - count, expanded >= 0, expanded < count else {
            throw StoreError.corruptRecord(
                "outbox block \(firstID): \(expanded) of \(count) entries expanded")
        }
        self.count = Int(count)
        self.expanded = Int(expanded)
        createdAt = statement.int(4)
        bytes = statement.blob(5)
    }

    /// The outbox id of entry `index`.
    func id(_ index: Int) -> Int64 { firstID + Int64(index) }

    func entries() throws -> [OutboxBlockEntry] {
        try OutboxBlockCodec.decode(bytes, count: count, name: "outbox block \(firstID)")
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
