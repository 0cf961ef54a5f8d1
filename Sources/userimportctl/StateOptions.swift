import ArgumentParser
import UserImportService
import UserImportStore

/// `--config` and `--state-dir`, shared by every subcommand: the same files the daemon uses.
/// They may also stand before the subcommand (`userimportctl --state-dir ./var history`); see
/// `GlobalOptions`.
struct StateOptions: ParsableArguments {
    @Option(help: "Configuration file (default /etc/userimportd/userimportd.conf when it exists).")
    var config: String?

    @Option(
        help: "State directory (inbox/, done/, failed/, userimportd.sqlite); overrides the configured paths.")
    var stateDir: String?

    func configuration() throws -> Configuration {
        do {
            return try ConfigLoader.load(path: config, stateDirectory: stateDir)
        } catch let error as ConfigError {
            throw ValidationError("bad configuration: \(error)")
        }
    }

    /// The database read-only (never migrated or written by this tool, except `submit`'s inbox
    /// copy). A missing or unreadable one is an error that says why, never an empty system.
    func openDatabase() throws -> ImportDatabase {
        try openDatabaseIfPossible().get()
    }

    /// For the two commands that can work without a database (`status`, `validate`): the database,
    /// or what stands in the way.
    func openDatabaseIfPossible() throws -> Result<ImportDatabase, DatabaseAccess.Problem> {
        let configuration = try configuration()
        guard configuration.database.backend == .sqlite else { throw ToolError.readsSQLiteOnly }
        let path = configuration.paths.database
        do {
            try DatabaseAccess.check(path)
        } catch {
            return .failure(error)
        }
        return .success(try ImportDatabase(path: path, readOnly: true))
    }
}
