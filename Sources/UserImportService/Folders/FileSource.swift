import Glibc
import UserImportCore

/// Reads an open file for the importer and fingerprints every byte it hands out.
///
/// `rewind()` starts over (a fallback-encoding or strict-mode rerun); `finishHash()` reads what the
/// importer did not need to read, so the SHA-256 always covers the whole file.
public struct FileSource: RereadableSource {
    private let fd: Int32
    private let name: String
    private var hasher = SHA256()
    private var exhausted = false
    private var total = 0
    /// Called after each read with the bytes read so far; may throw to stop the import.
    private let onRead: (Int) throws -> Void

    public init(fd: Int32, name: String, onRead: @escaping (Int) throws -> Void = { _ in }) {
        self.fd = fd
        self.name = name
        self.onRead = onRead
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !exhausted else { return 0 }
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw SourceReadError(SystemError("cannot read", name: name)) }
            if count == 0 { exhausted = true }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            total += count
            try onRead(total)
            return count
        }
    }

    public mutating func rewind() throws {
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw SystemError("cannot seek", name: name) }
        hasher = SHA256()
        exhausted = false
        total = 0
    }

    /// Reads to the end and returns the SHA-256 of the whole content.
    public mutating func finishHash() throws -> String {
        try withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 16) { buffer in
            while try read(into: buffer) > 0 {}
        }
        return hasher.finalizeHex()
    }
}

/// Reading the dropped file itself failed (EIO, …): retried a few times, then the file fails as
/// unreadable, where a database or disk error on our side is retried without end.
public struct SourceReadError: Error, CustomStringConvertible {
    public let underlying: SystemError

    init(_ underlying: SystemError) {
        self.underlying = underlying
    }

    public var description: String { underlying.description }
}
