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
            """)

    @OptionGroup var state: StateOptions
    @Argument(help: "The backup file to write (must not exist).") var file: String

    func run() throws {
        let database = try state.openDatabase()
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
        let temporary = folder + "/copy.sqlite"
        defer {
            unlink(temporary)
            rmdir(folder)
        }
        // Owner only from its first byte: the copy holds every user's personal data.
        let previous = umask(0o077)
        defer { umask(previous) }
        try database.backUp(to: temporary)
        let copy = try ImportDatabase(path: temporary, readOnly: true)
        let check = try copy.integrityCheck()
        guard check == ["ok"] else { throw ToolError.backupDamaged(check.joined(separator: "; ")) }
        let imports = try ImportHistory(database: copy).lastID()
        let users = try UserListing(database: copy).count(states: UserState.allCases)
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
            "backed up to \(file): \(Format.count(users)) users, imports up to \(imports), "
                + "\(Format.count(size)) bytes; integrity ok\n")
    }

    private static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("cannot open", name: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemError("cannot fsync", name: path) }
    }
}
