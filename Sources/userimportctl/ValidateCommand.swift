import ArgumentParser
import UserImportCore
import UserImportService

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Dry run: print the report an import of FILE would write; change nothing.",
        discussion: """
            Exit 0 when the file would be imported (or is a duplicate of an earlier import), 1 when it
            would fail as a whole. Example: userimportctl validate ~/new-hires.csv
            """)

    @OptionGroup var state: StateOptions
    @Argument(help: "The file to check.") var file: String

    func run() throws {
        let database = try state.openDatabase()
        let result = try DryRun.validate(
            path: file, database: database, settings: try state.configuration().pipelineSettings,
            now: SystemClock.now())
        var out = StandardOutput()
        ReportText.render(result.record, rows: result.rows, dryRun: true, to: &out)
        out.flush()
        if result.record.disposition == .failed { throw ExitCode(1) }
    }
}
