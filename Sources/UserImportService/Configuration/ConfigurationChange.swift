/// What a reload (SIGHUP) changes, key by key: every key takes effect at once except the paths,
/// which the daemon holds open (the inbox watch, the database, the lock) until it restarts. Pure:
/// the reload logs and applies what this says.
public struct ConfigurationChange: Sendable, Equatable {
    /// One key whose value differs between the configuration in force and the one read.
    public struct Key: Sendable, Equatable {
        /// As the file spells it: `[Mail] MaxPerMinute`.
        public var name: String
        public var old: String
        public var new: String
    }

    /// Changed keys that take effect now.
    public private(set) var applied: [Key] = []
    /// Changed keys that wait for the next restart; their old values stay in force.
    public private(set) var needsRestart: [Key] = []
    /// The configuration to run by from now on: the new one, with what needs a restart as it was.
    public let inForce: Configuration

    public init(from old: Configuration, to new: Configuration) {
        var inForce = new
        inForce.paths = old.paths
        self.inForce = inForce
        for key in Self.keys {
            let (before, after) = (key.value(old), key.value(new))
            guard before != after else { continue }
            let change = Key(name: key.name, old: before, new: after)
            if key.live { applied.append(change) } else { needsRestart.append(change) }
        }
    }

    public var isEmpty: Bool { applied.isEmpty && needsRestart.isEmpty }

    private struct Setting: Sendable {
        let name: String
        let live: Bool
        let value: @Sendable (Configuration) -> String
    }

    /// Every key of the configuration file. A key missing here is never reported changed; the
    /// tests compare this list against the parser's.
    private static let keys: [Setting] = [
        Setting(name: "[Paths] Inbox", live: false) { $0.paths.inbox },
        Setting(name: "[Paths] Done", live: false) { $0.paths.done },
        Setting(name: "[Paths] Failed", live: false) { $0.paths.failed },
        Setting(name: "[Paths] Held", live: false) { $0.paths.held },
        Setting(name: "[Paths] Work", live: false) { $0.paths.work },
        Setting(name: "[Paths] Database", live: false) { $0.paths.database },
        Setting(name: "[Import] SettleTime", live: true) { "\($0.settleTimeMilliseconds)ms" },
        Setting(name: "[Import] RescanInterval", live: true) { "\($0.rescanIntervalMilliseconds)ms" },
        Setting(name: "[Import] MaxFileSize", live: true) { "\($0.maxFileSize)" },
        Setting(name: "[Import] MaxRows", live: true) { "\($0.options.maxRows)" },
        Setting(name: "[Import] MaxRecordBytes", live: true) { "\($0.options.maxRecordBytes)" },
        Setting(name: "[Import] Strict", live: true) { $0.options.strict ? "yes" : "no" },
        Setting(name: "[Import] DuplicatePolicy", live: true) { $0.duplicatePolicy.rawValue },
        Setting(name: "[Import] FallbackEncoding", live: true) {
            $0.options.fallbackEncoding?.rawValue ?? ""
        },
        Setting(name: "[Guard] MaxDeletePercent", live: true) { "\($0.options.massChange.maxDeletePercent)" },
        Setting(name: "[Guard] MinUsersForPercent", live: true) {
            "\($0.options.massChange.minUsersForPercent)"
        },
        Setting(name: "[Guard] MaxDeleteRows", live: true) {
            $0.options.massChange.maxDeleteRows.map { "\($0)" } ?? ""
        },
        Setting(name: "[Mail] Transport", live: true) { $0.mail.transport.rawValue },
        Setting(name: "[Mail] From", live: true) { $0.mail.from },
        Setting(name: "[Mail] Sendmail", live: true) { $0.mail.sendmail },
        Setting(name: "[Mail] Maildir", live: true) { $0.mail.maildir ?? "" },
        Setting(name: "[Mail] Templates", live: true) { $0.mail.templates },
        Setting(name: "[Mail] MaxPerMinute", live: true) { "\($0.mail.maxPerMinute)" },
        Setting(name: "[Mail] MaxAttempts", live: true) { "\($0.mail.maxAttempts)" },
        Setting(name: "[Mail] RetryInterval", live: true) { "\($0.mail.retryIntervalMilliseconds)ms" },
        Setting(name: "[Log] Level", live: true) { $0.logLevel },
        Setting(name: "[Database] Backend", live: false) { $0.database.backend.rawValue },
        Setting(name: "[Database] URL", live: false) { $0.database.url },
        Setting(name: "[Database] TakeoverAfter", live: false) {
            $0.database.takeoverAfterMilliseconds.map { "\($0)ms" } ?? ""
        },
        Setting(name: "[History] KeepRowResults", live: true) {
            $0.keepRowResultsMilliseconds.map { "\($0)ms" } ?? "infinity"
        },
    ]

    /// The names of every key, for the tests that hold this list to the parser's.
    public static var keyNames: [String] { keys.map(\.name) }
}
