import ArgumentParser
import UserImportService
import UserImportStore

/// `--state-dir`, shared by every subcommand.
struct StateOptions: ParsableArguments {
    @Option(help: "State directory (inbox/, done/, failed/, userimportd.sqlite).")
    var stateDir: String = "/var/lib/userimportd"

    var settings: PipelineSettings { PipelineSettings(paths: StatePaths(stateDirectory: stateDir)) }

    /// The database read-only; an empty in-memory one when the daemon has not created it yet, so
    /// `validate` works on a fresh machine.
    func openDatabase() throws -> ImportDatabase {
        let path = settings.paths.database
        if FileSystem.exists(path) { return try ImportDatabase(path: path, readOnly: true) }
        return try ImportDatabase(path: ":memory:")
    }
}
