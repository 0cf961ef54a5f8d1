import UserImportCore

/// The import side of the outbox: queued emails gathered into blocks of `capacity` entries, each
/// written as one `outbox_blocks` row inside the import's transaction.
///
/// A class because `SQLiteOutbox` is a value the importer moves into its batch target and back out
/// again: every copy must append to the same open block, and none may give an id twice.
final class OutboxBlockWriter {
    /// 1,024 entries make a block of about 42 KB for typical names. Measured on a million new
    /// users: blocks of 1,024, 4,096 and 16,384 import equally fast (the rows are gone either way),
    /// but delivery decodes a whole block per expansion step and expands a million entries in
    /// 3.6, 5.3 and 11 s; a listing likewise decodes less.
    static let capacity = 1_024

    private let connection: SQLiteConnection
    private let importID: Int64
    private let createdAt: Int64
    private let insert: SQLiteStatement
    private var bytes: [UInt8] = []
    private var count = 0
    private var firstID: Int64 = 0
    private var nextID: Int64?
    private var lastLine = 0

    init(connection: SQLiteConnection, importID: Int64, createdAt: Int64) throws {
        self.connection = connection
        self.importID = importID
        self.createdAt = createdAt
        insert = try connection.prepare(
            "INSERT INTO outbox_blocks (\(OutboxBlock.columns)) VALUES (?1, ?2, ?3, 0, ?4, ?5)")
    }

    /// Adds an email to the open block, writing the block once it is full. Lines must rise: one
    /// email per row at most, in file order, is what makes `(import_id, line)` unique in the outbox.
    func append(_ kind: NotificationKind, to recipient: Recipient, line: Int) throws {
        try append(
            kind, email: recipient.email, firstName: recipient.firstName, lastName: recipient.lastName,
            line: line)
    }

    /// The same for an email read in place from a sorted import's results: its bytes are copied.
    func append(_ notification: DecidedRowBytes.Notification, line: Int) throws {
        try append(
            notification.kind, email: notification.email, firstName: notification.firstName,
            lastName: notification.lastName, line: line)
    }

    private func append<Text: BlobText>(
        _ kind: NotificationKind, email: Text, firstName: Text, lastName: Text, line: Int
    ) throws {
        guard line > lastLine else { throw StoreError.notificationOutOfOrder(line: line, after: lastLine) }
        if count == 0 {
            if nextID == nil { nextID = try OutboxBlock.nextFreeID(connection) }
            firstID = nextID ?? 1
            // Only a corrupt or hand-made database has ids this high; it must not trap.
            guard firstID <= Int64.max - Int64(Self.capacity) else {
                throw StoreError.corruptRecord("outbox id \(firstID) leaves no room for a block")
            }
            if bytes.capacity == 0 { bytes.reserveCapacity(Self.capacity * 64) }
            OutboxBlockCodec.start(&bytes)
        }
        OutboxBlockCodec.append(
            line: line, kind: kind, email: email, firstName: firstName, lastName: lastName, to: &bytes)
        lastLine = line
        count += 1
        if count == Self.capacity { try flush() }
    }

    /// Writes the open block, if any.
    func flush() throws {
        guard count > 0 else { return }
        try insert.run(.int(firstID), .int(importID), .int(Int64(count)), .int(createdAt), .blob(bytes))
        nextID = firstID + Int64(count)
        count = 0
    }
}
