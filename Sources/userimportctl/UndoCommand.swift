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
        let history = try state.openHistory()
        if let refusal = UndoRefusal.of(try history.record(id: id), id: id) {
            throw ToolError.cannotUndo(refusal.message)
        }
        if dryRun {
            // One snapshot for both passes: an import committed meanwhile cannot make the counts
            // and the rows disagree.
            try state.planningUndo(of: id, windowRows: Self.windowRows) { try printPlan($0) }
            return
        }
        let before = try history.lastID()
        let request = FileName.request(.undo, importID: id)
        try HeldDecisionOptions.leave(request, inInboxOf: state)
        if noWait {
            Output.write("left \(request.display) in the inbox for the daemon\n")
            return
        }
        let undo = try DaemonAnswer.poll(state, until: time(nil) + timeout) { history in
            try history.latest(fileName: request.display, after: before)
        }
        guard let undo else { throw ToolError.notAnsweredInTime(id: id, seconds: timeout) }
        guard undo.disposition == .done else {
            Output.error("\(undo.error ?? "the undo failed"); see userimportctl report \(undo.id)")
            throw ExitCode(1)
        }
        let counts = RowOutcome.allCases.filter { undo.summary.counts[$0] > 0 }
            .map { "\(undo.summary.counts[$0]) \($0.rawValue)" }.joined(separator: ", ")
        Output.write(
            "import \(id) undone by import \(undo.id) (\(counts.isEmpty ? "nothing to change" : counts)); "
                + "report: \(undo.path ?? "")\n")
    }

    /// The report the undo would write, from the same windows the daemon plans, twice: once for
    /// the counts at its head, once for its rows, so memory stays flat on a million-row import.
    private func printPlan(_ windowsOfThePlan: () throws -> UndoWindows) throws {
        let now = SystemClock.now()
        var undo = ImportRecord(
            id: 0, fileName: FileName.request(.undo, importID: id).display, path: nil, sha256: "", size: 0,
            ownerUID: getuid(), receivedAt: now, startedAt: now, finishedAt: now, disposition: .done,
            duplicateOf: nil, error: nil, summary: ImportSummary())
        undo.undoOf = id
        let counting = try windowsOfThePlan()
        for window in counting {
            for step in window.plan.steps { undo.summary.counts[step.result.outcome] += 1 }
            undo.summary.rows += window.plan.steps.count
        }
        if let failure = counting.failure { throw Self.told(failure) }
        let windows = try windowsOfThePlan()
        var out = StandardOutput()
        ReportText.render(
            undo, rows: windows.lazy.flatMap { $0.plan.steps.lazy.map(\.result) }, dryRun: true, to: &out)
        out.flush()
        if let failure = windows.failure { throw Self.told(failure) }
    }

    private static let windowRows = 10_000

    private static func told(_ error: Error) -> Error {
        (error as? UndoRefusal).map { ToolError.cannotUndo($0.message) } ?? error
    }
}
