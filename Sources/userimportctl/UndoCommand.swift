import ArgumentParser
import Glibc
import UserImportCore
import UserImportService
import UserImportStore

struct UndoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Reverse one import: its users back as they were, its pending emails cancelled.",
        discussion: """
            Users the import created are removed, users it updated, deleted or activated get their
            previous values and state back; a user a later import (or undo) changed is kept as it is
            and listed "kept: changed by import M". Still-pending invitations and activations of the
            users put back are cancelled and never sent. The undo is an import of its own (a history
            row naming the import it undid, a report in done/), done once, in one transaction. An
            import is undone once; an undo cannot be undone (import the file again instead).
            --dry-run prints what it would do and changes nothing.
            Examples: userimportctl undo 12 --dry-run
                      userimportctl undo 12
            """)

    @OptionGroup var state: StateOptions
    @Argument(help: "The import to undo (see history).") var id: Int64
    @Flag(help: "Print what the undo would do; change nothing.") var dryRun = false
    @Flag(help: "Leave the request and return at once, without waiting for the daemon.") var noWait = false
    @Option(help: "Give up waiting after this many seconds (exit 1; the request stays).") var timeout: Int =
        300

    func run() throws {
        let database = try state.openDatabase()
        let history = ImportHistory(database: database)
        guard let record = try history.record(id: id) else {
            throw ToolError.noSuchImport(what: "with ID \(id)")
        }
        if let refusal = try Self.refusal(of: record, history: history) {
            throw ToolError.cannotUndo(refusal)
        }
        if dryRun {
            try printPlan(of: record, database: database)
            return
        }
        let before = try history.lastID()
        let request = FileName.request(.undo, importID: id)
        try HeldDecisionOptions.leave(request, inInboxOf: state)
        if noWait {
            Output.write("left \(request.display) in the inbox for the daemon\n")
            return
        }
        let deadline = time(nil) + timeout
        while time(nil) < deadline {
            if let database = try? state.openDatabase(),
                let undo = try ImportHistory(database: database).latest(
                    fileName: request.display, after: before)
            {
                guard undo.disposition == .done else {
                    Output.error("\(undo.error ?? "the undo failed"); see userimportctl report \(undo.id)")
                    throw ExitCode(1)
                }
                let counts = RowOutcome.allCases.filter { undo.summary.counts[$0] > 0 }
                    .map { "\(undo.summary.counts[$0]) \($0.rawValue)" }.joined(separator: ", ")
                Output.write(
                    "import \(id) undone by import \(undo.id) (\(counts.isEmpty ? "nothing to change" : counts)); "
                        + "report: \(undo.path ?? "")\n")
                return
            }
            usleep(50_000)
        }
        throw ToolError.notAnsweredInTime(id: id, seconds: timeout)
    }

    /// Why the daemon would refuse to undo `record`, as far as this read-only look can tell.
    static func refusal(of record: ImportRecord, history: ImportHistory) throws -> String? {
        if record.undoOf != nil {
            return "import \(record.id) is an undo, which cannot be undone; import the file again instead"
        }
        guard record.disposition == .done else {
            return
                "import \(record.id) is \(record.disposition.rawValue): it applied nothing, there is nothing to undo"
        }
        if let undo = try history.undo(of: record.id) {
            return "import \(record.id) was undone already, by import \(undo)"
        }
        return nil
    }

    /// The report the undo would write, from the same plan the daemon makes.
    private func printPlan(of record: ImportRecord, database: ImportDatabase) throws {
        let history = ImportHistory(database: database)
        let emailsCursor = try history.rows(importID: record.id)
        let emails = UndoPlan.changedEmails(in: emailsCursor)
        if let failure = emailsCursor.failure { throw failure }
        let rows = try history.rows(importID: record.id)
        let current = try UndoWriter(database: database, undoID: 0, now: SystemClock.now()).current(
            emails: emails)
        let plan = try UndoPlan(undoing: record.id, rows: rows, current: current)
        if let failure = rows.failure { throw failure }
        let now = SystemClock.now()
        var undo = ImportRecord(
            id: 0, fileName: FileName.request(.undo, importID: record.id).display, path: nil, sha256: "",
            size: 0,
            ownerUID: getuid(), receivedAt: now, startedAt: now, finishedAt: now, disposition: .done,
            duplicateOf: nil, error: nil, summary: ImportSummary())
        undo.undoOf = record.id
        let results = plan.steps.map(\.result)
        for result in results { undo.summary.counts[result.outcome] += 1 }
        undo.summary.rows = results.count
        var out = StandardOutput()
        ReportText.render(undo, rows: results, dryRun: true, to: &out)
        out.flush()
    }
}
