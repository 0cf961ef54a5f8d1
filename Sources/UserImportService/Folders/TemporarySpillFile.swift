import CLinux
import Glibc
import Synchronization
import UserImportCore

/// An import's scratch file (`SpillFile`): unnamed, in the folder given, gone when the import
/// ends or the process dies, so a kill -9 leaves nothing to clean up. A file that cannot be made
/// or written is `SpillError.unavailable`: the import reads the file again in file order.
///
/// Where the file system cannot make an unnamed file (`O_TMPFILE`), a named one is made and
/// unlinked at once (`userimport_open_tmpfile`).
public final class TemporarySpillFile: SpillFile {
    let fd: Int32
    private let folder: String
    /// Where the next append goes; appends come from one thread at a time, reads use `pread`.
    private let end = Mutex(0)

    public init(in folder: String) throws {
        self.folder = folder
        let fd = userimport_open_tmpfile(folder)
        guard fd >= 0 else {
            throw SpillError.unavailable(
                SystemError("cannot create a scratch file in", name: folder).description)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    public func append(_ bytes: [UInt8]) throws -> Int {
        try end.withLock { end in
            var written = 0
            try bytes.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                while written < buffer.count {
                    let count = pwrite(fd, base + written, buffer.count - written, off_t(end + written))
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else {
                        // A write of nothing sets no errno: say what it was, not a stale one.
                        let code = count == 0 ? EIO : errno
                        throw SpillError.unavailable(
                            SystemError("cannot write a scratch file in", name: folder, code: code)
                                .description)
                    }
                    written += count
                }
            }
            defer { end += bytes.count }
            return end
        }
    }

    public func discard() throws {
        try end.withLock { end in
            guard ftruncate(fd, 0) == 0 else {
                throw SystemError("cannot empty a scratch file in", name: folder)
            }
            end = 0
        }
    }

    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var total = 0
        while total < buffer.count {
            let count = pread(fd, base + total, buffer.count - total, off_t(offset + total))
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw SystemError("cannot read a scratch file in", name: folder) }
            if count == 0 { break }
            total += count
        }
        return total
    }
}
