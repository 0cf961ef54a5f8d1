/// An online backup, while the daemon runs.
extension ImportDatabase {
    /// Writes a consistent copy of the whole database to `path`, which must not exist. SQLite's
    /// `VACUUM INTO` reads one snapshot: an import committed meanwhile is in the copy whole or not
    /// at all, and one in progress is not in it. Works on a read-only connection and never blocks
    /// the daemon's writes (WAL).
    public func backUp(to path: String) throws {
        try connection.prepare("VACUUM INTO ?").run(.text(path))
    }
}
