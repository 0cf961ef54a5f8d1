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
                      userimportctl report 12 --json --offset 500 --limit 500   (one page of rows)
            """)

    @OptionGroup var state: StateOptions
    @Argument(help: "The import ID (see history).") var id: Int64?
    @Option(help: "The latest import of this file name instead of an ID.") var file: String?
    @OptionGroup var rowPage: RowPageOptions
    @Flag(help: "Print JSON: the import object, rows_matching and rows (see userimportctl(1)).") var json =
        false

    func validate() throws {
        guard (id == nil) != (file == nil) else {
            throw ValidationError("give either an import ID or --file NAME")
        }
    }

    func run() throws {
        let history = try state.openHistory()
        let found =
            try id.map { try history.record(id: $0) } ?? file.flatMap { try history.latest(fileName: $0) }
        guard let record = found else {
            let what = id.map { "with ID \($0)" } ?? "of a file named \(file ?? "")"
            throw ToolError.noSuchImport(what: what)
        }
        let selection = rowPage.selection
        // Without a filter whole chunks before the offset are passed over undecoded.
        let unfiltered = selection.outcomes.isEmpty
        let rows = try history.rows(importID: record.id, skipping: unfiltered ? selection.offset : 0)
        var out = StandardOutput()
        let selected = selection.apply(to: rows, alreadySkipped: unfiltered)
        if json {
            ReportJSON.report(
                record, rows: selected, rowsMatching: selection.matching(record.summary), to: &out)
        } else {
            ReportText.render(record, rows: selected, to: &out)
        }
        out.flush()
        if let failure = rows.failure { throw failure }
    }
}

extension RowOutcome: ExpressibleByArgument {}
