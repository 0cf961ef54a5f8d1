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

    /// Opening the dropped file failed for a reason that waiting will not cure: the file, not the
    /// daemon, is at fault, and it goes to failed/ with a report saying so.
    public var isProblemWithTheFile: Bool {
        [EACCES, EPERM, ELOOP, ENXIO, ENODEV, EISDIR, ENAMETOOLONG].contains(code)
    }

    public var reason: String { String(cString: strerror(code)) }

    public var description: String {
        let target = name.map { " \(String(reflecting: $0))" } ?? ""
        return "\(operation)\(target): \(String(cString: strerror(code)))"
    }
}
