import Glibc
import UserImportService
import UserImportStore

/// Why the tool cannot read the database, said so that the reader knows what to do. A missing or
/// unreadable database is never shown as an empty system.
enum DatabaseAccess {
    enum Problem: Error, CustomStringConvertible {
        /// Nothing at the path: a mistyped --state-dir, or a daemon that has never run there.
        case missing(path: String)
        /// The file or a folder above it refuses us; `group` is the group that may read it.
        case denied(path: String, group: String?)
        case other(path: String, reason: String)

        var description: String {
            switch self {
            case .missing(let path):
                return "no database at \(path): userimportd has not run with this state directory, "
                    + "or --state-dir/--config names the wrong one"
            case .denied(let path, let group):
                let name = group ?? "userimport"
                return "cannot read \(path): permission denied — are you in the \(name) group? "
                    + "(an administrator runs: usermod -aG \(name) $USER; then log in again)"
            case .other(let path, let reason):
                return "cannot read \(path): \(reason)"
            }
        }
    }

    /// Throws the problem when the database cannot be read by this user.
    static func check(_ path: String) throws(Problem) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR: throw .missing(path: path)
            case EACCES, EPERM: throw .denied(path: path, group: owningGroup(of: path))
            default: throw .other(path: path, reason: String(cString: strerror(code)))
            }
        }
        close(fd)
    }

    /// The group of the nearest folder above `path` that we can see: the one to ask to join.
    private static func owningGroup(of path: String) -> String? {
        var folder = path
        while let slash = folder.lastIndex(of: "/") {
            folder = slash == folder.startIndex ? "/" : String(folder[..<slash])
            var info = stat()
            if stat(folder, &info) == 0, let group = getgrgid(info.st_gid), let name = group.pointee.gr_name {
                return String(cString: name)
            }
            if folder == "/" { break }
        }
        return nil
    }
}
