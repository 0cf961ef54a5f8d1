/// A problem with the daemon's own set-up, not with a dropped file: it refuses to start, or stops
/// so that the service manager starts it again once the set-up is fixed. One case per situation,
/// so that callers and tests can tell them apart; `description` is what the log says.
public enum SetupError: Error, CustomStringConvertible, Equatable {
    /// inbox, done, failed and work are not on one filesystem, so files cannot move by rename.
    /// `deviceList` names each folder with its device: `path (device N), …`.
    case mixedFilesystems(deviceList: String)
    /// The inbox was removed, renamed or unmounted under the running daemon: its watch is dead.
    case inboxGone(path: String)
    /// A mail template exists but cannot be read or parsed.
    case mailTemplateUnreadable(path: String, reason: String)
    /// Another userimportd holds the state directory's lock.
    case alreadyRunning(lockPath: String)
    /// [Database] Backend=postgresql without the URL of the server.
    case databaseURLMissing
    /// The PostgreSQL server answered and refused: a wrong database, user or password.
    case databaseRefused(String)
    /// Another daemon's work folder, to be finished here, is not at the path it named.
    case workFolderMissing(path: String)

    public var description: String {
        switch self {
        case .mixedFilesystems(let deviceList):
            "inbox, done, failed and work must be on one filesystem so files move by rename; they are on "
                + "different ones: \(deviceList)"
        case .workFolderMissing(let path):
            "no folder at \(path) on this host: every daemon's work folder must be on the shared "
                + "filesystem, mounted at the same path on every host, for another to finish its files"
        case .inboxGone(let path):
            "the inbox \(path) was removed, renamed or unmounted; "
                + "exiting so that the service manager restarts userimportd on a fresh inbox"
        case .mailTemplateUnreadable(let path, let reason):
            "mail template \(path): \(reason)"
        case .alreadyRunning(let lockPath):
            "another userimportd is already running on this state directory (\(lockPath) is locked)"
        case .databaseURLMissing:
            "[Database] Backend=postgresql needs [Database] URL, a libpq connection string such as "
                + "host=/run/postgresql dbname=userimport"
        case .databaseRefused(let reason):
            "the PostgreSQL server refused the connection ([Database] URL): \(reason)"
        }
    }
}
