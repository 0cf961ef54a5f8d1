import UserImportCore

/// Everything `userimportd.conf` can set (the README's "Configuration"), with the built-in defaults that `make run`
/// and a missing config file use.
public struct Configuration: Sendable, Equatable {
    public var paths = StatePaths.defaults
    public var options = ImportOptions()
    public var maxFileSize = 1 << 30
    /// A file written in place is taken once its ctime is this old (milliseconds).
    public var settleTimeMilliseconds = 1000
    /// The inbox is rescanned this often even without events (NFS, missed events).
    public var rescanIntervalMilliseconds = 60_000
    public var duplicatePolicy = DuplicatePolicy.done
    public var mail = MailSettings()
    public var logLevel = "info"
    /// Row results older than this are pruned while the daemon is idle; nil keeps them for ever.
    public var keepRowResultsMilliseconds: Int? = 400 * 86_400_000
    public var database = DatabaseSettings()

    public init() {}

    public var pipelineSettings: PipelineSettings {
        PipelineSettings(
            paths: paths, options: options, maxFileSize: maxFileSize, duplicatePolicy: duplicatePolicy,
            database: database)
    }
}

/// Where the directory, history and outbox live ([Database]).
public struct DatabaseSettings: Sendable, Equatable {
    public enum Backend: String, Sendable, CaseIterable {
        /// The file at [Paths] Database, the default.
        case sqlite
        /// A PostgreSQL server, which several daemons may share.
        case postgresql
    }

    public var backend = Backend.sqlite
    /// A libpq connection string or URL, without a password (a passfile or a systemd credential
    /// holds it); required for `postgresql`.
    public var url = ""
    /// How long a daemon may go without renewing its work folder's lease before another daemon
    /// finishes the files it left there; nil (the default) never: only for work folders on a
    /// filesystem every host mounts at the same path.
    public var takeoverAfterMilliseconds: Int?

    public init() {}
}

public struct MailSettings: Sendable, Equatable {
    public enum Transport: String, Sendable, CaseIterable {
        case maildir, sendmail, none
    }

    public var transport = Transport.maildir
    public var from = "userimportd@localhost"
    public var sendmail = "/usr/sbin/sendmail"
    /// nil: `<state dir>/mail`.
    public var maildir: String?
    public var templates = "/etc/userimportd/templates"
    public var maxPerMinute = 600
    /// Attempts before an email is marked failed.
    public var maxAttempts = 10
    /// The first retry waits this long; each further one twice as long, up to an hour.
    public var retryIntervalMilliseconds = 30_000

    public init() {}
}
