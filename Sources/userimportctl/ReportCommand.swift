import ArgumentParser
import UserImportCore
import UserImportStore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report On File Import: the summary and every row's result.",
        discussion: """
            Examples: userimportctl report 12 --only rejected --only ignored
                      userimportctl report --file new-hires.csv --json
            """)

    @OptionGroup var state: StateOptions
    @Argument(help: "The import ID (see history).") var id: Int64?
    @Option(help: "The latest import of this file name instead of an ID.") var file: String?
    @Option(
        help:
            "Only rows with this outcome (repeatable): created, updated, unchanged, deleted, activated, ignored, rejected."
    )
    var only: [RowOutcome] = []
    @Flag(help: "Print JSON (SPEC §12).") var json = false

    func validate() throws {
        guard (id == nil) != (file == nil) else {
            throw ValidationError("give either an import ID or --file NAME")
        }
    }

    func run() throws {
        let history = ImportHistory(database: try state.openDatabase())
        let found =
            try id.map { try history.record(id: $0) } ?? file.flatMap { try history.latest(fileName: $0) }
        guard let record = found else {
            let what = id.map { "with ID \($0)" } ?? "of a file named \(file ?? "")"
            throw ToolError(description: "no import \(what); see userimportctl history")
        }
        let rows = try history.rows(importID: record.id)
        let wanted = Set(only)
        let selected = rows.lazy.filter { wanted.isEmpty || wanted.contains($0.outcome) }
        var out = StandardOutput()
        if json {
            ReportJSON.report(record, rows: selected, to: &out)
        } else {
            ReportText.render(record, rows: selected, to: &out)
        }
        out.flush()
        if let failure = rows.failure { throw failure }
    }
}

extension RowOutcome: ExpressibleByArgument {}
