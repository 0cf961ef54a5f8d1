import Foundation
import Testing
import UserImportCore
import UserImportStore

/// Undo through the real daemon and `userimportctl undo`: once, also when the daemon is killed
/// (-9) at each step; a pending invitation of an undone creation cancelled and never delivered.
@Suite(.serialized)
struct UndoDaemonTests {
    static let config = "[Import]\nSettleTime=50ms\n[Mail]\nMaxPerMinute=1\n"
    static let header = "Email ID,First Name,Last Name,User Status\n"
    static let three = header + "a@example.com,A,A,New\nb@example.com,B,B,New\nc@example.com,C,C,New\n"

    func ctl(_ arguments: [String], _ state: TestStateDirectory) throws -> BuiltProgram.Result {
        try BuiltProgram.userimportctl.run(arguments + ["--state-dir", state.root])
    }

    func published(_ state: TestStateDirectory, _ count: Int64) throws {
        try waitFor("\(count) published", timeout: 20) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == count
        }
    }

    @Test func theAdminToolUndoesOnceAndCancelsWhatWasNotSent() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state, config: Self.config)
        try state.drop("three.csv", Self.three)
        try published(state, 1)
        // One a minute: the first invitation goes, the other two wait.
        try waitFor("one sent", timeout: 20) { try state.queuedEmails(.sent).count == 1 }

        let dry = try ctl(["undo", "1", "--dry-run"], state)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("Dry run of a file import"))
        #expect(dry.stdout.contains("\tb@example.com\tUndo\tdeleted\tdeleted: created by this import"))
        #expect(try state.users().count == 3, "a dry run changes nothing")

        let undo = try ctl(["undo", "1"], state)
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(undo.stdout.hasPrefix("import 1 undone by import 2 (3 deleted); report: done/undo-1.request"))
        #expect(try state.users().isEmpty)
        #expect(try state.queuedEmails(.cancelled).count == 2)
        // The dry run printed the rows and counts the undo then wrote: one plan for both.
        let report = try ctl(["report", "2"], state)
        #expect(Self.rowsAndCounts(of: report.stdout) == Self.rowsAndCounts(of: dry.stdout))
        #expect(Self.rowsAndCounts(of: report.stdout).contains("deleted 3"))
        let again = try ctl(["undo", "1"], state)
        #expect(again.status == 1)
        #expect(again.stderr.contains("import 1 was undone already, by import 2"))
        #expect(try ctl(["undo", "2"], state).stderr.contains("import 2 is an undo, which cannot be undone"))
        #expect(try daemon.stop() == 0)
        // Stopped: nothing is left to send, and only the one sent before the undo was delivered.
        #expect(try state.queuedEmails(.pending).isEmpty)
        let delivered = try FileManager.default.contentsOfDirectory(atPath: state.root + "/mail/new")
        #expect(delivered.count == 1, "\(delivered)")
    }

    /// A report from its counts on: what an undo does, without the times and IDs of one run.
    static func rowsAndCounts(of report: String) -> String {
        guard let counts = report.range(of: "\nCounts") else { return "" }
        return String(report[counts.lowerBound...])
    }

    @Test(arguments: ["claimed", "committed", "report-written", "moved"])
    func killedDuringAnUndoTheRestartFinishesItOnce(_ step: String) throws {
        let state = try TestStateDirectory()
        let first = try RunningDaemon(state: state, config: Self.config)
        try state.drop("three.csv", Self.three)
        try published(state, 1)
        try state.drop("update.csv", Self.header + "a@example.com,Ann,A,Update\nb@example.com,B,B,Delete\n")
        try published(state, 2)
        #expect(try first.stop() == 0)
        let before = try state.users()

        let doomed = try RunningDaemon(
            state: state, config: Self.config, environment: ["USERIMPORTD_TEST_KILL_AT": step])
        #expect(try ctl(["undo", "1", "--no-wait"], state).status == 0)
        try doomed.waitForExit()
        #expect(doomed.process.terminationStatus == SIGKILL, "\(doomed.log)")

        let daemon = try RunningDaemon(state: state, config: Self.config)
        try published(state, 3)
        #expect(try state.count("SELECT count(*) FROM imports") == 3, "one undo, no second attempt")
        #expect(try state.count("SELECT undo_of FROM imports WHERE id = 3") == 1)
        let users = try state.users()
        // a and b were written last by import 2: kept; c is removed.
        #expect(users["a@example.com"] == before["a@example.com"])
        #expect(users["b@example.com"] == before["b@example.com"])
        #expect(users["c@example.com"] == nil)
        #expect(
            try state.list("done").filter { $0.hasPrefix("undo-") } == [
                "undo-1.request", "undo-1.request.report.txt",
            ])
        #expect(try state.list("work").isEmpty && state.list("inbox").isEmpty)
        #expect(try state.database().integrityCheck() == ["ok"])
        #expect(try daemon.stop() == 0)
    }
}
