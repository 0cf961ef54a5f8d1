import UserImportCore
import UserImportStore

/// The import side of the outbox on PostgreSQL: queued emails in blocks of
/// `OutboxBlockBuilder.capacity` entries, one `outbox_blocks` row each, encoded as the SQLite outbox
/// encodes them, inside the import's transaction.
///
/// Ids are the next free ones after every block and expanded email: safe because the import holds
/// the directory (`PostgresUserDirectory`) until it commits, so no other import queues meanwhile.
/// A class for the reason `OutboxBlockWriter` is one: the importer moves the outbox value into its
/// batch target and back, and every copy must append to the same open block.
public final class PostgresOutbox: NotificationOutbox {
    private let connection: PostgresConnection
    private let importID: Int64
    private let createdAt: Int64
    private var block = OutboxBlockBuilder {
        PostgresError(.data, message: "outbox id \($0) leaves no room for a block")
    }

    public init(connection: PostgresConnection, importID: Int64, now: Timestamp) {
        self.connection = connection
        self.importID = importID
        self.createdAt = now.millisecondsSinceEpoch
    }

    public func queue(_ notification: NotificationKind, to recipient: Recipient, line: Int) throws {
        if try block.queue(notification, to: recipient, line: line, nextFreeID: nextFreeID) { try sendFull() }
    }

    public func queue(_ notification: DecidedRowBytes.Notification, line: Int) throws {
        if try block.queue(notification, line: line, nextFreeID: nextFreeID) { try sendFull() }
    }

    private func sendFull() throws {
        closeBlock()
        try blocks.sendWhenFull(on: connection)
    }

    /// Sends the blocks queued so far by one COPY that is not waited for (`BufferedCopy`): the
    /// server stores them while the importer goes on.
    public func flush() throws {
        closeBlock()
        try blocks.send(on: connection)
    }

    private var blocks = BufferedCopy(
        "COPY outbox_blocks (first_id, import_id, entry_count, expanded, created_at, entries) FROM STDIN",
        rowsPerCopy: 32)

    private func closeBlock() {
        guard block.count > 0 else { return }
        blocks.rows.field(block.firstID)
        blocks.rows.field(importID)
        blocks.rows.field(Int64(block.count))
        blocks.rows.field(0)
        blocks.rows.field(createdAt)
        blocks.rows.field(bytea: block.bytes)
        blocks.rows.endRow()
        block.written()
    }

    private func nextFreeID() throws -> Int64 {
        let text = try connection.scalar(
            """
            SELECT greatest(coalesce((SELECT max(id) FROM outbox), 0),
                            coalesce((SELECT first_id + entry_count - 1 FROM outbox_blocks
                                      ORDER BY first_id DESC LIMIT 1), 0))
            """)
        let highest = try PostgresImportHistory.int(text, "the highest outbox id")
        let (next, overflow) = highest.addingReportingOverflow(1)
        guard !overflow else { throw PostgresError(.data, message: "outbox id \(highest)") }
        return next
    }

    /// Every queued email of the database, in id order, with the import that queued it: blocks
    /// not yet expanded included (for the tests and `userimportctl outbox` alike).
    public static func entries(_ connection: PostgresConnection) throws -> [(
        id: Int64, importID: Int64, entry: OutboxBlockEntry
    )] {
        var all: [(id: Int64, importID: Int64, entry: OutboxBlockEntry)] = []
        let blocks = try connection.query(
            "SELECT first_id, import_id, entry_count, entries FROM outbox_blocks ORDER BY first_id")
        for block in blocks {
            guard block.count == 4 else {
                throw PostgresError(.data, message: "an outbox block without its columns")
            }
            let firstID = try PostgresImportHistory.int(block[0], "an outbox block's first id")
            let importID = try PostgresImportHistory.int(block[1], "an outbox block's import")
            let count = try PostgresImportHistory.int(block[2], "an outbox block's count")
            let entries = try OutboxBlockCodec.decode(
                try PostgresConnection.bytes(block[3]), count: Int(count), name: "outbox block \(firstID)")
            for (index, entry) in entries.enumerated() {
                all.append((firstID + Int64(index), importID, entry))
            }
        }
        return all
    }
}
