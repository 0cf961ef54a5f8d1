/// Where the importer reads bytes from: a file in the pipeline, an array in tests.
public protocol ByteSource {
    /// Fills the start of `buffer`; returns the byte count, 0 at end of input.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// The user directory as the importer sees it: the real SQLite one inside the import's
/// transaction, or a dry-run overlay that writes nothing.
public protocol UserDirectory {
    mutating func user(email: String) throws -> StoredUser?
    mutating func store(_ user: StoredUser, previous: StoredUser?) throws
    mutating func queue(_ notification: NotificationKind, for user: StoredUser, line: Int) throws
}

/// Receives every row's result, in file order.
public protocol RowResultSink {
    mutating func record(_ result: RowResult) throws
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
