import Glibc

/// A buffered `TextOutputStream` over a file descriptor, for streaming reports to disk.
/// Write errors are kept and raised by `finish()` (a stream's `write` cannot throw).
struct FileWriter: TextOutputStream {
    private let fd: Int32
    private let name: String
    private var buffer: [UInt8] = []
    private var failure: SystemError?
    private let onFlush: () -> Void

    init(fd: Int32, name: String, onFlush: @escaping () -> Void = {}) {
        self.fd = fd
        self.name = name
        self.onFlush = onFlush
        buffer.reserveCapacity(64 * 1024)
    }

    mutating func write(_ string: String) {
        buffer.append(contentsOf: string.utf8)
        if buffer.count >= 64 * 1024 { flush() }
    }

    private mutating func flush() {
        onFlush()
        guard failure == nil else { return }
        guard writeAll(fd, buffer) else {
            failure = SystemError("cannot write", name: name)
            return
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and fsyncs: after this returns the bytes are on disk.
    mutating func finish() throws {
        flush()
        if let failure { throw failure }
        guard fsync(fd) == 0 else { throw SystemError("cannot fsync", name: name) }
    }
}
