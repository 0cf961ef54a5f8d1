import UserImportCore

/// One import's queued emails gathered into outbox blocks as both backends store them: the ids a
/// block takes (after every id in use, asked once an import), lines that rise, the open block's
/// bytes. The backend writes a block when `queue` says it is full, or when the importer flushes,
/// and then calls `written()`.
public struct OutboxBlockBuilder {
    /// 1,024 entries make a block of about 42 KB for typical names. Measured on a million new
    /// users: blocks of 1,024, 4,096 and 16,384 import equally fast (the rows are gone either way),
    /// but delivery decodes a whole block per expansion step and expands a million entries in
    /// 3.6, 5.3 and 11 s; a listing likewise decodes less.
    public static let capacity = 1_024

    /// The open block: its entries so far, how many, and the id of the first.
    public private(set) var bytes: [UInt8] = []
    public private(set) var count = 0
    public private(set) var firstID: Int64 = 0
    private var nextID: Int64?
    private var lastLine = 0
    private let noRoom: (_ firstID: Int64) -> any Error

    /// `noRoom`: what the backend throws for a first id with no room after it for a block, which
    /// only a corrupt or hand-made database has; it must not trap.
    public init(noRoom: @escaping (_ firstID: Int64) -> any Error) {
        self.noRoom = noRoom
    }

    /// Adds an email to the open block; true once the block is full. Lines must rise: one email
    /// per row at most, in file order, is what makes `(import_id, line)` unique in the outbox.
    /// `nextFreeID` is asked for the import's first block only.
    public mutating func queue(
        _ kind: NotificationKind, to recipient: Recipient, line: Int, nextFreeID: () throws -> Int64
    ) throws -> Bool {
        try queue(
            kind, email: recipient.email, firstName: recipient.firstName, lastName: recipient.lastName,
            line: line, nextFreeID: nextFreeID)
    }

    /// The same for an email read in place from a sorted import's results: its bytes are copied.
    public mutating func queue(
        _ notification: DecidedRowBytes.Notification, line: Int, nextFreeID: () throws -> Int64
    ) throws -> Bool {
        try queue(
            notification.kind, email: notification.email, firstName: notification.firstName,
            lastName: notification.lastName, line: line, nextFreeID: nextFreeID)
    }

    private mutating func queue<Text: BlobText>(
        _ kind: NotificationKind, email: Text, firstName: Text, lastName: Text, line: Int,
        nextFreeID: () throws -> Int64
    ) throws -> Bool {
        guard line > lastLine else { throw StoreError.notificationOutOfOrder(line: line, after: lastLine) }
        if count == 0 {
            if nextID == nil { nextID = try nextFreeID() }
            firstID = nextID ?? 1
            guard firstID <= Int64.max - Int64(Self.capacity) else { throw noRoom(firstID) }
            if bytes.capacity == 0 { bytes.reserveCapacity(Self.capacity * 64) }
            OutboxBlockCodec.start(&bytes)
        }
        OutboxBlockCodec.append(
            line: line, kind: kind, email: email, firstName: firstName, lastName: lastName, to: &bytes)
        lastLine = line
        count += 1
        return count == Self.capacity
    }

    /// The open block is stored: the next one takes the ids after it.
    public mutating func written() {
        nextID = firstID + Int64(count)
        count = 0
    }
}
