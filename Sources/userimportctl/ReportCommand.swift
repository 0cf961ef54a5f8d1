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
    @Option(
        help:
            "Only rows with this outcome (repeatable): created, updated, unchanged, deleted, activated, ignored, rejected."
    )
    var only: [RowOutcome] = []
    @Option(help: "Skip this many rows (of those selected) first.") var offset: Int = 0
    @Option(help: "At most this many rows (default: all).") var limit: Int?
    @Flag(help: "Print JSON: the import object, rows_matching and rows (see userimportctl(1)).") var json =
        false

    func validate() throws {
        guard (id == nil) != (file == nil) else {
            throw ValidationError("give either an import ID or --file NAME")
        }
        guard offset >= 0 else { throw ValidationError("--offset must be 0 or more") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    func run() throws {
        let history = ImportHistory(database: try state.openDatabase())
        let found =
            try id.map { try history.record(id: $0) } ?? file.flatMap { try history.latest(fileName: $0) }
        guard let record = found else {
            let what = id.map { "with ID \($0)" } ?? "of a file named \(file ?? "")"
            throw ToolError(description: "no import \(what); see userimportctl history")
        }
        let selection = RowSelection(outcomes: only, offset: offset, limit: limit)
        // Without a filter whole chunks before the offset are passed over undecoded.
        let rows = try history.rows(importID: record.id, skipping: only.isEmpty ? offset : 0)
        var out = StandardOutput()
        let selected = selection.apply(to: rows, alreadySkipped: only.isEmpty)
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

/// Which of a report's rows to show: some outcomes only, one page of them.
struct RowSelection {
    var outcomes: [RowOutcome]
    var offset: Int
    var limit: Int?

    /// How many rows the filter selects, from the import's counts (no row is read for it).
    func matching(_ summary: ImportSummary) -> Int {
        let wanted = outcomes.isEmpty ? RowOutcome.allCases : Array(Set(outcomes))
        return wanted.reduce(0) { $0 + summary.counts[$1] }
    }

    func apply<Rows: Sequence>(to rows: Rows, alreadySkipped: Bool) -> some Sequence<RowResult>
    where Rows.Element == RowResult {
        let wanted = Set(outcomes)
        let kept = rows.lazy.filter { (row: RowResult) in wanted.isEmpty || wanted.contains(row.outcome) }
        return kept.dropFirst(alreadySkipped ? 0 : offset).prefix(limit ?? .max)
    }
}

extension RowOutcome: ExpressibleByArgument {}
