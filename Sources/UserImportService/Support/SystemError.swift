import Glibc
import UserImportCore

/// A failed system call, with what was being done and to which name.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let name: String?
    public let code: Int32

    public init(_ operation: String, name: String? = nil, code: Int32 = errno) {
        self.operation = operation
        self.name = name
        self.code = code
    }

    /// Errors that say "not now" rather than "never": retry the file later, do not fail it.
    public var isTransient: Bool {
        [ENOSPC, EDQUOT, EACCES, EPERM, EIO, ENOMEM, EMFILE, ENFILE, EBUSY, EAGAIN, EROFS].contains(code)
    }

    public var description: String {
        let target = name.map { " \(String(reflecting: $0))" } ?? ""
        return "\(operation)\(target): \(String(cString: strerror(code)))"
    }
}
