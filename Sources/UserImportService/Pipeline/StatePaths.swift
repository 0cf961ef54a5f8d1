/// Where the daemon keeps its files (the README's "Install as a service"). `--state-dir DIR` puts all of them under DIR.
public struct StatePaths: Sendable, Equatable {
    public var inbox: String
    public var done: String
    public var failed: String
    /// Files the mass-change guard holds until a person releases or rejects them.
    public var held: String
    /// Claimed files and report temp files; on the same filesystem as the others so moves are renames.
    public var work: String
    public var database: String

    public init(inbox: String, done: String, failed: String, held: String, work: String, database: String) {
        self.inbox = inbox
        self.done = done
        self.failed = failed
        self.held = held
        self.work = work
        self.database = database
    }

    public init(stateDirectory: String) {
        let root = stateDirectory.hasSuffix("/") ? String(stateDirectory.dropLast()) : stateDirectory
        self.init(
            inbox: root + "/inbox", done: root + "/done", failed: root + "/failed", held: root + "/held",
            work: root + "/work",
            database: root + "/userimportd.sqlite")
    }

    public static let defaults = StatePaths(stateDirectory: "/var/lib/userimportd")
}
