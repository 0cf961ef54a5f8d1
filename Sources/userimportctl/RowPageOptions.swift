import ArgumentParser
import UserImportCore

/// `--only`, `--offset` and `--limit` for the rows of a report (`report`, and `validate`'s dry run).
struct RowPageOptions: ParsableArguments {
    @Option(
        help:
            "Only rows with this outcome (repeatable): created, updated, unchanged, deleted, activated, ignored, rejected."
    )
    var only: [RowOutcome] = []
    @Option(help: "Skip this many rows (of those selected) first.") var offset: Int = 0
    @Option(help: "At most this many rows (default: all).") var limit: Int?

    func validate() throws {
        guard offset >= 0 else { throw ValidationError("--offset must be 0 or more") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    var selection: RowSelection { RowSelection(outcomes: only, offset: offset, limit: limit) }
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
