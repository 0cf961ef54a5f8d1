import Glibc
import UserImportService

/// `-` as a file argument: standard input copied to a private temporary file, so that the same
/// code that reads a named file (one `stat`, a rewind for a second encoding) reads it.
final class StandardInputCopy {
    let path: String

    init() throws {
        let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((folder + "/userimportctl-stdin-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw SystemError("cannot create a temporary file in", name: folder) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.path = path
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                unlink(path)
                throw SystemError("cannot read", name: "standard input")
            }
            if count == 0 { break }
            guard writeAll(fd, buffer[0..<count]) else {
                unlink(path)
                throw SystemError("cannot write", name: path)
            }
        }
    }

    deinit {
        unlink(path)
    }
}
