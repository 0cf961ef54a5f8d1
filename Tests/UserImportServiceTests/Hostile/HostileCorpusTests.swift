import Foundation
import Glibc
import Testing
import UserImportCore
import UserImportService

/// Issue #8, part 1: every case of `HostileCorpus` goes through the real pipeline (real folders,
/// real SQLite) and must meet its fate with the report the README's "The input format", "What happens to a file" asks for — and, whatever the
/// case, the invariants of "What happens to a file": nothing left in work/, the file published beside exactly one
/// report, nothing applied for a failed or duplicate file, and no report cell a spreadsheet would
/// run as a formula.
struct HostileCorpusTests {
    @Test func theCorpusIsLargeAndEachCaseNamedOnce() {
        let labels = HostileCorpus.all.map(\.label)
        #expect(labels.count >= 60, "cases: \(labels.count)")
        #expect(Set(labels).count == labels.count, "every case has its own label")
    }

    /// The drops meant to be refused without being held in memory, each imported by the daemon
    /// itself (`--once`) so that its peak is measured alone, against the same run on an empty inbox.
    @Test(
        .disabled(
            if: ProcessInfo.processInfo.environment["USERIMPORT_SANITIZER"] != nil,
            "AddressSanitizer's shadow memory and quarantine make resident memory say nothing about ours"),
        arguments: HostileCorpus.all.filter { $0.maxPeakGrowth != nil })
    func boundedMemory(_ hostile: HostileCase) throws {
        let limit = try #require(hostile.maxPeakGrowth)
        let empty = try TestStateDirectory()
        let baseline = try ChildPeakMemory.run(.userimportd, ["--state-dir", empty.root, "--once"])
        try #require(baseline.status == 0, "the daemon runs once on an empty inbox")

        let state = try TestStateDirectory()
        try state.drop(name: hostile.fileName) { writer in
            if case .stream(let generate) = hostile.content { try generate(&writer) }
            if case .bytes(let bytes) = hostile.content { try writer.append(bytes) }
        }
        let run = try ChildPeakMemory.run(.userimportd, ["--state-dir", state.root, "--once"])
        #expect(run.status == 0)
        #expect(try Snapshot(state).inbox.isEmpty, "the file was imported")
        let growth = run.peakBytes - baseline.peakBytes
        #expect(growth < limit, "the daemon's peak grew by \(growth) bytes over an empty run's")
    }

    @Test(arguments: HostileCorpus.all)
    func hostileDrop(_ hostile: HostileCase) throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline(options: hostile.options, maxFileSize: hostile.maxFileSize)
        for setup in hostile.setup {
            try state.drop(name: setup.name) { try $0.append(setup.bytes) }
            try #require(try pipeline.processInbox().count == 1, "setup file \(setup.name.display)")
        }
        let before = try Snapshot(state)
        let earlier = try before.published.map { try state.contents($0.folder, $0.name) }

        let written = try state.drop(name: hostile.fileName) { writer in
            switch hostile.content {
            case .bytes(let bytes): try writer.append(bytes)
            case .stream(let generate): try generate(&writer)
            }
        }
        let records = try pipeline.processInbox()
        let after = try Snapshot(state)
        #expect(after.work.isEmpty, "work/ is empty")
        let earlierNow = try before.published.map { try state.contents($0.folder, $0.name) }
        #expect(earlierNow == earlier, "nothing published before was overwritten")

        guard let destination = hostile.destination else {
            #expect(records.isEmpty, "an in-progress name is not imported")
            #expect(after.inbox == before.inbox.union([hostile.fileName]), "it stays in the inbox")
            #expect(after.done == before.done && after.failed == before.failed)
            #expect(after.users == before.users && after.outbox == before.outbox)
            return
        }
        try #require(records.count == 1, "one import recorded")
        let record = records[0]
        #expect(record.disposition == hostile.disposition)
        #expect(!after.inbox.contains(hostile.fileName), "the file left the inbox")

        // Published beside exactly one report, and nowhere else.
        let added =
            destination == "done"
            ? after.done.subtracting(before.done) : after.failed.subtracting(before.failed)
        let other = destination == "done" ? (before.failed, after.failed) : (before.done, after.done)
        #expect(other.0 == other.1, "nothing new in the other folder")
        let published = try #require(
            added.first { added.contains($0.reportName) }, "a file beside its report")
        // With the file of its rows to fix when some were not applied.
        let beside: Set<FileName> =
            RejectedRowsText.isWritten(for: record)
            ? [published.reportName, published.rejectedRowsName] : [published.reportName]
        #expect(
            added == beside.union([published]), "the file and exactly one report (and rows file) beside it")
        #expect(record.path == destination + "/" + published.display)

        switch hostile.content {
        case .bytes(let bytes):
            #expect(
                try state.contents(destination, published) == bytes, "the published file is the dropped bytes"
            )
        case .stream:
            // Not read back: it may be hundreds of megabytes.
            #expect(
                try state.size(destination, published) == written, "the published file has every dropped byte"
            )
        }

        let reportBytes = try state.contents(destination, published.reportName)
        let report = try #require(String(validating: reportBytes, as: UTF8.self), "the report is UTF-8")
        try expectReport(report, of: hostile, size: written)
        expectSpreadsheetSafe(report)
        try expectNothingAppliedUnlessDone(
            hostile, record: record, before: before, after: after, state: state)
        try hostile.check?(state)
    }

    private func expectReport(_ report: String, of hostile: HostileCase, size: Int) throws {
        let lines = report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var required = [
            Report.field("Disposition:", hostile.dispositionText),
            Report.field("Encoding:", hostile.encoding),
            Report.field("Delimiter:", hostile.delimiter),
        ]
        required += hostile.lines
        for line in required {
            #expect(lines.contains(line), "report line missing: \(line.debugDescription)")
        }
        for line in hostile.absentLines {
            #expect(!lines.contains(line), "report line must not be there: \(line.debugDescription)")
        }
        if let error = hostile.error {
            #expect(report.contains("\nError\n  \(error)\n"), "error: \(error.debugDescription)")
        } else {
            #expect(!lines.contains("Error"), "no file-level error")
        }
        let notApplied = hostile.disposition == .failed && !hostile.rows.isEmpty
        let countsHeading =
            notApplied ? "Counts (nothing was applied; what the rows would have done)" : "Counts"
        #expect(
            report.contains("\n\(countsHeading)\n\(Report.counts(of: hostile.rows))\n"),
            "counts: \(Report.counts(of: hostile.rows))")
        let table = "line\temail\tstatus\toutcome\treason"
        if let start = lines.firstIndex(of: table) {
            #expect(lines[start - 1] == (notApplied ? "Rows (not applied)" : "Rows"))
            let rows = Array(lines[(start + 1)...].prefix { !$0.isEmpty })
            #expect(rows == hostile.rows, "rows section")
            let trailing = lines[(start + 1 + rows.count)...].filter { !$0.isEmpty }
            #expect(trailing.isEmpty, "the rows end the report")
        } else {
            #expect(hostile.rows.isEmpty, "the report has no Rows section; expected \(hostile.rows)")
        }
        #expect(
            lines.contains(Report.field("Size:", "\(size) byte\(size == 1 ? "" : "s")"))
                || lines.contains {
                    $0.hasPrefix(Report.field("Size:", "\(size) byte\(size == 1 ? "" : "s"), "))
                }, "size line")
    }

    /// OWASP "CSV injection": opened in a spreadsheet (tab-separated), no cell may start a formula,
    /// and no raw control or direction character may survive into the text.
    private func expectSpreadsheetSafe(_ report: String) {
        for line in report.split(separator: "\n") {
            for cell in line.split(separator: "\t", omittingEmptySubsequences: false) {
                if let first = cell.unicodeScalars.first {
                    #expect(
                        !"=+-@".unicodeScalars.contains(first), "formula trigger at a cell start: \(cell)")
                }
            }
        }
        let unsafe = report.unicodeScalars.filter {
            ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F
                || (0x80...0x9F).contains($0.value)
                || [0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF].contains($0.value)
                || (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value)
        }
        #expect(unsafe.isEmpty, "raw control characters in the report: \(unsafe.map { $0.value })")
    }

    private func expectNothingAppliedUnlessDone(
        _ hostile: HostileCase, record: ImportRecord, before: Snapshot, after: Snapshot,
        state: TestStateDirectory
    ) throws {
        let rowsKept = try state.storedRows()[record.id]?.count ?? 0
        switch hostile.fate {
        case .done:
            #expect(rowsKept == hostile.rows.count, "each row's result is in the history")
        case .failed, .duplicate, .leftInInbox:
            #expect(after.users == before.users, "nothing applied: the users table is unchanged")
            #expect(after.outbox == before.outbox, "nothing applied: no email queued")
            #expect(rowsKept == hostile.rows.count, "only strict mode keeps the rows it did not apply")
        }
    }
}

extension HostileCase {
    var destination: String? {
        switch fate {
        case .done, .duplicate: return "done"
        case .failed: return "failed"
        case .leftInInbox: return nil
        }
    }

    var disposition: Disposition? {
        switch fate {
        case .done: return .done
        case .failed: return .failed
        case .duplicate: return .duplicate
        case .leftInInbox: return nil
        }
    }

    var dispositionText: String {
        switch fate {
        case .done: return "done"
        case .failed: return "failed; nothing applied"
        case .duplicate(let id):
            return "duplicate of import \(id); the same bytes were imported before, nothing applied"
        case .leftInInbox: return ""
        }
    }
}

/// What the folders and the database hold at one moment.
private struct Snapshot {
    var inbox: Set<FileName>
    var work: Set<FileName>
    var done: Set<FileName>
    var failed: Set<FileName>
    var users: [String: StoredUser]
    var outbox: Int

    /// Every file and report in done/ and failed/.
    var published: [(folder: String, name: FileName)] {
        done.sorted().map { ("done", $0) } + failed.sorted().map { ("failed", $0) }
    }

    init(_ state: TestStateDirectory) throws {
        inbox = try state.entries("inbox")
        work = try state.entries("work")
        done = try state.entries("done")
        failed = try state.entries("failed")
        users = try state.users()
        outbox = try state.queuedEmails().count
    }
}
