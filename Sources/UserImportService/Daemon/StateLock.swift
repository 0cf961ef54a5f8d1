import Glibc

/// One daemon per state directory: an exclusive `flock` on `<database>.lock`, released by the
/// kernel when the process dies, so a crash never leaves a stale lock.
public final class StateLock {
    private let fd: Int32
    public let path: String

    public init(databasePath: String) throws {
        path = databasePath + ".lock"
        try ImportPipeline.makeDirectories(ImportPipeline.parent(databasePath))
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw SystemError("cannot open lock file", name: path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(fd)
            if busy {
                throw SetupError.alreadyRunning(lockPath: path)
            }
            throw SystemError("cannot lock", name: path)
        }
    }

    deinit {
        close(fd)
    }

    /// Whether some process holds the lock (for `userimportctl status`).
    public static func isHeld(databasePath: String) -> Bool {
        let fd = open(databasePath + ".lock", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }
}
