import Glibc
import UserImportCore
import UserImportService

/// `userimportctl submit`: copies a file into the inbox the safe way — under an in-progress name
/// the daemon ignores, fsynced, then renamed to its real name (never replacing a waiting file).
enum Submission {
    struct Submitted: Sendable {
        var name: String
        var sha256: String
    }

    static func copy(_ path: String, intoInbox inboxPath: String) throws -> Submitted {
        let baseName = String(path.split(separator: "/").last ?? Substring(path))
        try check(baseName)
        let source = open(path, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw SystemError("cannot open", name: path) }
        defer { close(source) }
        var info = stat()
        guard fstat(source, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw SubmissionError.notRegularFile(path: path)
        }
        return try copy(from: source, describedAs: path, as: baseName, intoInbox: inboxPath)
    }

    /// Copies what `source` holds to end of file (a pipe too: `submit -`) into the inbox as `baseName`.
    static func copy(
        from source: Int32, describedAs origin: String, as baseName: String, intoInbox inboxPath: String
    )
        throws -> Submitted
    {
        try check(baseName)
        let name = FileName(baseName)
        let inbox = try Folder(path: inboxPath)
        let temp = FileName(".\(baseName).submit-\(getpid()).part")
        let target = try inbox.create(temp, mode: 0o640)
        var hasher = SHA256()
        do {
            defer { close(target) }
            try StreamCopy.copy(
                from: source, describedAs: origin, to: target, targetName: inboxPath + "/" + temp.display
            ) { hasher.update($0) }
            guard fsync(target) == 0 else { throw SystemError("cannot fsync", name: temp.display) }
            try inbox.move(temp, to: inbox, as: name, replace: false)
        } catch {
            try? inbox.remove(temp)
            if let systemError = error as? SystemError, systemError.code == EEXIST {
                throw SubmissionError.alreadyWaiting(name: baseName)
            }
            throw error
        }
        try inbox.sync()
        return Submitted(name: name.display, sha256: hasher.finalizeHex())
    }
}

extension Submission {
    /// A name the daemon would take as given: one file name, not hidden or in progress.
    static func check(_ baseName: String) throws {
        guard !baseName.isEmpty, !baseName.contains("/"), baseName != ".", baseName != ".." else {
            throw SubmissionError.notAFileName(baseName)
        }
        guard FileName(baseName).kind != .inProgress else {
            throw SubmissionError.inProgressName(baseName)
        }
    }
}

/// Why a file cannot be submitted; nothing reached the inbox.
enum SubmissionError: Error, CustomStringConvertible {
    case notAFileName(String)
    case inProgressName(String)
    case notRegularFile(path: String)
    case alreadyWaiting(name: String)

    var description: String {
        switch self {
        case .notAFileName(let name):
            return "\"\(name)\" is not a file name; give a name such as new-hires.csv"
        case .inProgressName(let name):
            return "\(name) has an in-progress name the daemon ignores; rename it first"
        case .notRegularFile(let path): return "\(path) is not a regular file"
        case .alreadyWaiting(let name): return "a file named \(name) is already waiting in the inbox"
        }
    }
}
