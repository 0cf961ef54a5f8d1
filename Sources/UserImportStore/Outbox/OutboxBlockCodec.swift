import UserImportCore

/// One queued email inside an outbox block: what its outbox row will hold.
public struct OutboxBlockEntry: Sendable, Equatable {
    public var line: Int
    public var kind: NotificationKind
    public var email: String
    public var firstName: String
    public var lastName: String

    public init(line: Int, kind: NotificationKind, email: String, firstName: String, lastName: String) {
        self.line = line
        self.kind = kind
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
    }
}

/// The bytes of `outbox_blocks.entries`: a version byte, then per entry the line (varint), the kind
/// (one byte, `code(of:)`), and email, first name and last name (each a varint byte count, then
/// UTF-8). Varints are unsigned LEB128, shortest form.
///
/// Pure and Foundation-free. Encoding appends to the caller's buffer, so a block costs one reused
/// allocation however many entries it holds. Decoding trusts nothing: the blob comes from a file
/// on disk, and any byte out of place is `StoreError.corruptRecord`.
public enum OutboxBlockCodec {
    public static let version: UInt8 = 1

    /// The stored kind codes. Written out rather than derived from the enum's order or raw values,
    /// so that renaming or reordering a case can never change what stored blocks mean.
    static func code(of kind: NotificationKind) -> UInt8 {
        switch kind {
        case .invitation: return 1
        case .activation: return 2
        }
    }

    static func kind(of code: UInt8) -> NotificationKind? {
        switch code {
        case 1: return .invitation
        case 2: return .activation
        default: return nil
        }
    }

    /// Starts a block: `buffer` is emptied (keeping its capacity) and gets the version byte.
    public static func start(_ buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(version)
    }

    /// Appends one entry. `line` is a file line number (at least 1), as the importer numbers them.
    public static func append<Text: BlobText>(
        line: Int, kind: NotificationKind, email: Text, firstName: Text, lastName: Text,
        to buffer: inout [UInt8]
    ) {
        buffer.appendVarint(UInt64(truncatingIfNeeded: line))
        buffer.append(code(of: kind))
        buffer.appendText(email)
        buffer.appendText(firstName)
        buffer.appendText(lastName)
    }

    /// All `count` entries of a block. Lines must rise strictly: a block holds one import's emails
    /// in file order, at most one per line.
    /// `name` says which block in errors.
    public static func decode(_ bytes: [UInt8], count: Int, name: String = "outbox block") throws
        -> [OutboxBlockEntry]
    {
        // Each entry takes at least five bytes; a count the bytes cannot hold is corrupt, and
        // checking first keeps a corrupt count from reserving a huge array.
        guard count >= 1, count <= (bytes.count - 1) / 5 else {
            throw StoreError.corruptRecord(
                "\(name): \(bytes.count) bytes cannot hold \(count) entries")
        }
        return try bytes.withUnsafeBufferPointer { buffer in
            var reader = BlobReader(buffer, name: name)
            let found = try reader.byte()
            guard found == version else { throw reader.corrupt("version \(found)") }
            var entries: [OutboxBlockEntry] = []
            entries.reserveCapacity(count)
            var previousLine = 0
            for _ in 0..<count {
                let line = try reader.varint()
                guard line > previousLine else {
                    throw reader.corrupt("line \(line) after line \(previousLine)")
                }
                previousLine = line
                let code = try reader.byte()
                guard let kind = kind(of: code) else { throw reader.corrupt("kind \(code) on line \(line)") }
                entries.append(
                    OutboxBlockEntry(
                        line: line, kind: kind, email: try reader.text(), firstName: try reader.text(),
                        lastName: try reader.text()))
            }
            guard reader.isAtEnd else { throw reader.corrupt("bytes after its \(count) entries") }
            return entries
        }
    }
}
