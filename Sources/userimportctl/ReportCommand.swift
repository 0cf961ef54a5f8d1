import ArgumentParser
import UserImportCore
import UserImportStore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report On File Import: the summary and every row's result.",
        discussion: "Example: userimportctl report 12 --json")

    @OptionGroup var state: StateOptions
    @Argument(help: "The import ID (see history).") var id: Int64
    @Flag(help: "Print JSON (SPEC §12).") var json = false

    func run() throws {
        let history = ImportHistory(database: try state.openDatabase())
        guard let record = try history.record(id: id) else {
            throw ToolError(description: "no import with ID \(id); see userimportctl history")
        }
        let rows = try history.rows(importID: id)
        var out = StandardOutput()
        if json {
            ReportJSON.report(record, rows: rows, to: &out)
        } else {
            ReportText.render(record, rows: rows, to: &out)
        }
        out.flush()
        if let failure = rows.failure { throw failure }
    }
}
