/// Where the importer reads bytes from: a file in the pipeline, an array in tests.
public protocol ByteSource {
    /// Fills the start of `buffer`; returns the byte count, 0 at end of input.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// The user directory as the importer sees it: the real SQLite one inside the import's
/// transaction, or a dry-run overlay that writes nothing.
///
/// The importer works in batches of rows: it asks for all the batch's users at once and writes
/// their final states at once, both in ascending email order, so a B-tree far larger than the
/// page cache is walked in order instead of at random (see `Importer.batchSize`).
public protocol UserDirectory {
    /// The stored user for each of `emails` (distinct, in ascending UTF-8 byte order), nil where
    /// there is none: the answer lines up with the question.
    mutating func users(emails: [String]) throws -> [StoredUser?]
    /// The batch's new states, one per changed user, in ascending UTF-8 byte order of email; a
    /// batch may hand them over in several calls, each continuing where the last one stopped.
    mutating func store(_ users: [StoredUser]) throws
}

/// Where the emails a row causes go: the import's outbox, in the same transaction as the row's
/// change, or nowhere (a dry run).
public protocol NotificationOutbox {
    /// Called in file order, at most once per line: before the batch's users are stored, or, for
    /// the rows of a large file decided in email order (`SortedImport`), after every user is.
    mutating func queue(_ notification: NotificationKind, to recipient: Recipient, line: Int) throws
    /// The same, for an email read in place from a sorted import's results (`DecidedRowBytes`):
    /// an outbox that stores bytes copies them; by default it is queued as a `Recipient`.
    mutating func queue(_ notification: DecidedRowBytes.Notification, line: Int) throws
    /// Called after each batch's rows are decided: an outbox that holds emails back writes them here.
    mutating func flush() throws
}

extension NotificationOutbox {
    public mutating func queue(_ notification: DecidedRowBytes.Notification, line: Int) throws {
        try queue(notification.kind, to: notification.recipient(), line: line)
    }

    /// Queues `notification` for `user` as the row left it.
    public mutating func queue(_ notification: NotificationKind, for user: StoredUser, line: Int) throws {
        try queue(notification, to: Recipient(user), line: line)
    }
}

/// Whom a queued email goes to: all a message takes of the user a row left. A large file's
/// results wait in a scratch file with their emails (`SortedImport`), so only this is kept.
public struct Recipient: Sendable, Equatable {
    public var email: String
    public var firstName: String
    public var lastName: String

    public init(email: String, firstName: String, lastName: String) {
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
    }

    public init(_ user: StoredUser) {
        self.init(email: user.email, firstName: user.profile.firstName, lastName: user.profile.lastName)
    }
}

/// The outbox of a run that sends nothing: a dry run, or a second pass that only lists rows.
public struct NoNotifications: NotificationOutbox {
    public init() {}
    public mutating func queue(_ notification: NotificationKind, to recipient: Recipient, line: Int) throws {}
    public mutating func queue(_ notification: DecidedRowBytes.Notification, line: Int) throws {}
    public mutating func flush() throws {}
}

/// Receives every row's result, in file order.
public protocol RowResultSink {
    mutating func record(_ result: RowResult) throws
    /// The same, for a result read in place from a sorted import's results file: a sink that
    /// stores bytes copies them; by default it is recorded as a `RowResult`.
    mutating func record(_ row: DecidedRowBytes) throws
    /// Called once after the last row of a run, also when a file-level error ended it (the rows
    /// before the error keep their results): a sink that holds rows back writes them here.
    mutating func finish() throws
}

extension RowResultSink {
    public mutating func record(_ row: DecidedRowBytes) throws {
        try record(row.result())
    }
}

/// An in-memory source, for tests and for `validate` of small inputs.
public struct BytesSource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0
    private let chunkLimit: Int

    public init(_ bytes: [UInt8], chunkLimit: Int = .max) {
        self.bytes = bytes
        self.chunkLimit = chunkLimit
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position, chunkLimit)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}
