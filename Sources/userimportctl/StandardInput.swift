import Glibc
import UserImportService

/// `-` as a file argument: standard input copied to a private temporary file, so that the same
/// code that reads a named file (one `stat`, a rewind for a second encoding) reads it.
final class StandardInputCopy {
    let path: String

    init() throws {
        let folder = temporaryFolder(otherwise: "/tmp")
        var template = Array((folder + "/userimportctl-stdin-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw SystemError("cannot create a temporary file in", name: folder) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.path = path
        defer { close(fd) }
        do {
            try StreamCopy.copy(from: 0, describedAs: "standard input", to: fd, targetName: path)
        } catch {
            unlink(path)
            throw error
        }
    }

    deinit {
        unlink(path)
    }
}

/// `$TMPDIR` when it names a folder, else `fallback`.
func temporaryFolder(otherwise fallback: String) -> String {
    guard let folder = getenv("TMPDIR").map({ String(cString: $0) }), !folder.isEmpty else { return fallback }
    return folder
}
