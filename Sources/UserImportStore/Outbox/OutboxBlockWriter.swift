import UserImportCore

/// The import side of the outbox: queued emails gathered into blocks of `capacity` entries, each
/// written as one `outbox_blocks` row inside the import's transaction.
///
/// A class because `SQLiteOutbox` is a value the importer moves into its batch target and back out
/// again: every copy must append to the same open block, and none may give an id twice.
final class OutboxBlockWriter {
    static let capacity = OutboxBlockBuilder.capacity

    private let connection: SQLiteConnection
    private let importID: Int64
    private let createdAt: Int64
    private let insert: SQLiteStatement
    private var block = OutboxBlockBuilder {
        StoreError.corruptRecord("outbox id \($0) leaves no room for a block")
    }

    init(connection: SQLiteConnection, importID: Int64, createdAt: Int64) throws {
        self.connection = connection
        self.importID = importID
        self.createdAt = createdAt
        insert = try connection.prepare(
            "INSERT INTO outbox_blocks (\(OutboxBlock.columns)) VALUES (?1, ?2, ?3, 0, ?4, ?5)")
    }

    /// Adds an email to the open block (`OutboxBlockBuilder`), writing the block once it is full.
    func append(_ kind: NotificationKind, to recipient: Recipient, line: Int) throws {
        if try block.queue(kind, to: recipient, line: line, nextFreeID: nextFreeID) { try flush() }
    }

    /// The same for an email read in place from a sorted import's results.
    func append(_ notification: DecidedRowBytes.Notification, line: Int) throws {
        if try block.queue(notification, line: line, nextFreeID: nextFreeID) { try flush() }
    }

    private func nextFreeID() throws -> Int64 {
        try OutboxBlock.nextFreeID(connection)
    }

    /// Writes the open block, if any.
    func flush() throws {
        guard block.count > 0 else { return }
        try insert.run(
            .int(block.firstID), .int(importID), .int(Int64(block.count)), .int(createdAt), .blob(block.bytes)
        )
        block.written()
    }
}
