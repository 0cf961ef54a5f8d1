import ArgumentParser
import UserImportCore
import UserImportService
import UserImportStore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Dry run: print the report an import of FILE would write; change nothing.",
        discussion: """
            Exit 0 when the file would be imported (or is a duplicate of an earlier import), 1 when it
            would fail as a whole or be held by the mass-change guard. Without a database (the daemon has not run yet) the file is checked
            against an empty directory, and a note on stderr says so.
            Examples: userimportctl validate ~/new-hires.csv
                      hr-export | userimportctl validate - --name monday.csv --json
            """)

    @OptionGroup var state: StateOptions
    @Argument(help: "The file to check (\"-\": standard input).") var file: String
    @Option(help: "The name the file would have in the inbox (default: its own; needed for \"-\").")
    var name: String?
    @OptionGroup var rowPage: RowPageOptions
    @Flag(help: "Print JSON, shaped as report --json (id 0).") var json = false

    func validate() throws {
        if file == "-", name == nil {
            throw ValidationError("\"-\" needs --name NAME (for example --name users.csv)")
        }
    }

    func run() throws {
        let input = file == "-" ? try StandardInputCopy() : nil
        let settings = try state.configuration().pipelineSettings
        let result: DryRun.Result
        if settings.database.backend == .postgresql {
            // The overlay is a TEMP table, in a snapshot rolled back: nothing is ever written.
            let connection = try state.openServer(settings.database)
            result = try connection.rolledBackSnapshot(scratch: true) {
                var attempt = DryRunAttempt(store: PostgresDryRunStore(connection: connection))
                return try DryRun.validate(
                    path: input?.path ?? file, name: name, settings: settings, now: SystemClock.now(),
                    attempt: &attempt)
            }
        } else {
            result = try validateOnTheFile(input: input, settings: settings)
        }
        try show(result)
    }

    private func validateOnTheFile(input: StandardInputCopy?, settings: PipelineSettings) throws
        -> DryRun.Result
    {
        let database: ImportDatabase
        switch try state.openDatabaseIfPossible() {
        case .success(let opened): database = opened
        case .failure(.missing(let path)):
            Output.error("note: no database at \(path) yet; the file is checked against an empty directory")
            database = try ImportDatabase(path: ":memory:")
        case .failure(let problem): throw problem
        }
        return try DryRun.validate(
            path: input?.path ?? file, name: name, database: database, settings: settings,
            now: SystemClock.now())
    }

    private func show(_ result: DryRun.Result) throws {
        let selection = rowPage.selection
        let rows = selection.apply(to: result.rows, alreadySkipped: false)
        var out = StandardOutput()
        if json {
            ReportJSON.report(
                result.record, rows: rows, rowsMatching: selection.matching(result.record.summary), to: &out)
        } else {
            ReportText.render(result.record, rows: rows, dryRun: true, to: &out)
        }
        out.flush()
        if result.record.disposition == .failed || result.record.disposition == .held { throw ExitCode(1) }
    }
}
