import Foundation
import Testing

/// kill -9 at each step boundary of the pipeline (debug-build hooks), then a restart: every file in
/// exactly one of done/failed with exactly one report, rows applied once, no email queued twice.
@Suite(.serialized)
struct CrashTests {
    @Test(arguments: ["claimed", "committed", "report-written", "moved"])
    func killedAtAStepBoundaryTheRestartFinishesTheWorkOnce(_ step: String) throws {
        let state = try TestStateDirectory()
        let doomed = try RunningDaemon(state: state, environment: ["USERIMPORTD_TEST_KILL_AT": step])
        try state.drop("sample.csv", seedSample)
        try doomed.waitForExit()
        #expect(doomed.process.terminationReason == .uncaughtSignal, "\(doomed.log)")
        #expect(doomed.process.terminationStatus == SIGKILL)

        let daemon = try RunningDaemon(state: state)
        try waitFor("published", timeout: 10) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == 1
        }
        #expect(try state.list("done") == ["sample.csv", "sample.csv.report.txt"])
        #expect(try state.list("failed").isEmpty)
        #expect(try state.list("work").isEmpty)
        #expect(try state.list("inbox").isEmpty)
        #expect(try state.count("SELECT count(*) FROM imports") == 1)
        #expect(try state.count("SELECT count(*) FROM users") == 2)
        #expect(try state.storedRowCount() == 2)
        #expect(try state.queuedEmails().map(\.line).sorted() == [2, 3])
        #expect(try state.database().integrityCheck() == ["ok"])
        #expect(try state.read("done/sample.csv.report.txt").contains("created 2"))
        #expect(try daemon.stop() == 0)
    }
}
