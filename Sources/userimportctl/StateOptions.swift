import ArgumentParser
import UserImportService
import UserImportStore

/// `--config` and `--state-dir`, shared by every subcommand: the same files the daemon uses.
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
    /// copy); an empty in-memory one when the daemon has not created it yet, so `validate` works
    /// on a fresh machine.
    func openDatabase() throws -> ImportDatabase {
        let path = try configuration().paths.database
        if FileSystem.exists(path) { return try ImportDatabase(path: path, readOnly: true) }
        return try ImportDatabase(path: ":memory:")
    }
}
