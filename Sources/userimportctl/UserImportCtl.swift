import ArgumentParser
import Glibc
import UserImportService

/// The administrator's tool. Exit codes: 0 ok, 1 what was asked about failed, 2 usage.
@main
struct UserImportCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "userimportctl",
        abstract: "Inspect and drive userimportd: history, reports, dry runs.",
        discussion: """
            --config FILE and --state-dir DIR may stand before or after the subcommand.
            Exit codes: 0 ok, 1 what was asked about failed, 2 usage error.
            """,
        version: ProductVersion.string,
        subcommands: [
            StatusCommand.self, HistoryCommand.self, ReportCommand.self, UsersCommand.self, UserCommand.self,
            ValidateCommand.self, SubmitCommand.self, ExportCommand.self, OutboxCommand.self,
            ReleaseCommand.self, RejectCommand.self, UndoCommand.self, BackupCommand.self,
        ])

    static func main() {
        do {
            var command = try parseAsRoot(GlobalOptions.reordered(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch {
            Glibc.exit(report(error))
        }
    }

    /// Prints what went wrong and returns the exit code: help is 0, a usage error 2 (ArgumentParser
    /// would say 64), anything that failed while doing what was asked 1.
    private static func report(_ error: Error) -> Int32 {
        if let code = error as? ExitCode { return code.rawValue }
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if code == .success {
            Output.write(message + "\n")
            return 0
        }
        Output.error(message)
        return code == .validationFailure ? 2 : 1
    }
}

/// A failure while running a well-formed command (exit 1), with the message for stderr.
enum ToolError: Error, CustomStringConvertible {
    /// `report` found nothing: `what` is "with ID N" or "of a file named NAME".
    case noSuchImport(what: String)
    case noSuchUser(email: String, namedByRejectedRows: Bool)
    case notImportedInTime(name: String, seconds: Int)
    case notHeld(id: Int64, state: String)
    case cannotUndo(String)
    case requestWaiting(name: String)
    case notAnsweredInTime(id: Int64, seconds: Int)
    case backupExists(String)
    case backupDamaged(String)
    /// `backup` on PostgreSQL runs pg_dump and pg_restore, which are not on PATH.
    case backupProgramMissing(String)
    case backupProgramFailed(String, how: String, said: String, advice: String)
    case readsSQLiteOnly
    case serverUnusable(String)
    /// The server's database has no userimportd tables: no daemon has started on it yet.
    case serverWithoutTables
    /// The server's tables are of another schema version than this tool reads.
    case serverSchema(found: Int, expected: Int)

    var description: String {
        switch self {
        case .serverWithoutTables:
            return "the PostgreSQL server ([Database] URL): the database has no userimportd tables yet: "
                + "start userimportd on it once"
        case .serverSchema(let found, let expected) where found < expected:
            return "the PostgreSQL server ([Database] URL): the database has schema version \(found), "
                + "this userimportctl expects \(expected): userimportd of this version migrates it when it "
                + "starts (see systemctl status userimportd if it has not)"
        case .serverSchema(let found, let expected):
            return "the PostgreSQL server ([Database] URL): the database has schema version \(found), "
                + "this userimportctl expects \(expected): use the userimportctl of the userimportd that "
                + "migrated it"
        case .readsSQLiteOnly:
            // Every command asks the configured backend first; reaching this is a slip of ours.
            return "[Database] Backend=postgresql: the SQLite store was asked for; please report this"
        case .serverUnusable(let why): return "the PostgreSQL server ([Database] URL): \(why)"
        case .noSuchImport(let what): return "no import \(what); see userimportctl history"
        case .noSuchUser(let email, let named):
            return "no user \(email)" + (named ? " (rejected rows named it)" : "")
        case .notImportedInTime(let name, let seconds):
            return
                "\(name) was not imported within \(seconds) s; is userimportd running? (userimportctl status)"
        case .notHeld(let id, let state):
            return "import \(id) is not waiting in held/ (it is \(state)); see userimportctl report \(id)"
        case .cannotUndo(let why): return why
        case .requestWaiting(let name):
            return
                "\(name) is already waiting in the inbox; the daemon has not taken it yet (userimportctl status)"
        case .notAnsweredInTime(let id, let seconds):
            return "the daemon did not answer the request on import \(id) within \(seconds) s; "
                + "the request stays in the inbox; is userimportd running? (userimportctl status)"
        case .backupExists(let file): return "\(file) exists; give a new name, or remove it first"
        case .backupDamaged(let check):
            return "the copy failed its integrity check (\(check)); nothing was written; try again"
        case .backupProgramMissing(let name):
            return "\(name) is not on PATH; backup on PostgreSQL runs pg_dump and pg_restore "
                + "(Debian: apt install postgresql-client)"
        case .backupProgramFailed(let name, let how, let said, let advice):
            return "\(name) \(how)" + (said.isEmpty ? "" : ": \(said)") + "; nothing was written; \(advice)"
        }
    }
}
