import ArgumentParser
import Glibc
import UserImportCore
import UserImportService
import UserImportStore

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database, consistent, while the daemon runs.",
        discussion: """
            The copy is one snapshot: an import committed meanwhile is in it whole or not at all, one
            in progress is not in it. It is checked (PRAGMA integrity_check) before it takes FILE's
            name, which must not exist; it is readable by its owner only (it holds personal data).
            To restore: systemctl stop userimportd; install -o userimport -g userimport -m 0640
            FILE /var/lib/userimportd/userimportd.sqlite; rm -f /var/lib/userimportd/userimportd.sqlite-wal
            /var/lib/userimportd/userimportd.sqlite-shm; systemctl start userimportd (see userimportctl(1)).
            Example: userimportctl backup /var/backups/userimportd-$(date +%F).sqlite
            With [Database] Backend=postgresql the copy is pg_dump's custom format of the database the
            URL names, in one snapshot, read whole by pg_restore before it takes FILE's name (Debian:
            postgresql-client). To restore: stop userimportd on every host; createdb --owner=ROLE NEW
            (ROLE: the daemons' role); as ROLE, pg_restore --exit-on-error --single-transaction
            --dbname='host=HOST dbname=NEW user=ROLE' FILE; point [Database] URL (and the passfile)
            at NEW; start them (see userimportctl(1)).
            """)

    @OptionGroup var state: StateOptions
    @Argument(help: "The backup file to write (must not exist).") var file: String

    func run() throws {
        let configuration = try state.configuration()
        let copy: (String) throws -> BackupSummary
        switch configuration.database.backend {
        case .sqlite:
            let database = try state.openDatabase()
            copy = { try Self.copy(database, to: $0) }
        case .postgresql:
            let connection = try state.openServer(configuration.database)
            copy = { try ServerBackup.dump(connection, url: configuration.database.url, to: $0) }
        }
        guard access(file, F_OK) != 0 else { throw ToolError.backupExists(file) }
        let slash = file.lastIndex(of: "/")
        let directory = slash.map { $0 == file.startIndex ? "/" : String(file[..<$0]) } ?? "."
        // A private folder beside FILE (same filesystem, for the link), made by us alone: a name
        // another user could create first in a shared folder such as /tmp would receive the copy.
        var template = Array((directory + "/.userimportd-backup-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SystemError("cannot create a temporary folder in", name: directory)
        }
        let folder = String(cString: made)
        let temporary = folder + "/copy"
        defer {
            unlink(temporary)
            rmdir(folder)
        }
        // Owner only from its first byte: the copy holds every user's personal data.
        let previous = umask(0o077)
        defer { umask(previous) }
        let summary = try copy(temporary)
        try Self.sync(temporary)
        // link, not rename: a FILE that appeared meanwhile is never replaced.
        guard link(temporary, file) == 0 else {
            throw errno == EEXIST
                ? ToolError.backupExists(file) : SystemError("cannot name the backup", name: file)
        }
        try Self.sync(directory)
        var info = stat()
        let size = stat(file, &info) == 0 ? Int(info.st_size) : 0
        Output.write(
            "backed up to \(file): \(Format.count(summary.users)) users, imports up to \(summary.lastImport), "
                + "\(Format.count(size)) bytes; \(summary.check)\n")
    }

    /// SQLite's online backup, then the copy opened on its own and checked.
    private static func copy(_ database: ImportDatabase, to path: String) throws -> BackupSummary {
        try database.backUp(to: path)
        let copy = try ImportDatabase(path: path, readOnly: true)
        let check = try copy.integrityCheck()
        guard check == ["ok"] else { throw ToolError.backupDamaged(check.joined(separator: "; ")) }
        return try BackupSummary(
            users: UserListing(database: copy), history: ImportHistory(database: copy), check: "integrity ok")
    }

    private static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("cannot open", name: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemError("cannot fsync", name: path) }
    }
}

/// What a backup holds, read from the copy or from the snapshot it was made of, and how it was
/// checked.
struct BackupSummary {
    let users: Int
    let lastImport: Int64
    let check: String

    /// Read the same way from either backend's readers.
    init(users: some UserReading, history: some HistoryReading, check: String) throws {
        self.users = try users.count(states: UserState.allCases, search: nil, atMost: nil)
        lastImport = try history.lastID()
        self.check = check
    }
}
