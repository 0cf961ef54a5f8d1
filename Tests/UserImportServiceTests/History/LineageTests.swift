import Foundation
import Testing
import UserImportService
import UserImportStore

/// `user EMAIL`'s keys are added by the daemon itself while idle, and the command answers the
/// same before and after.
struct LineageTests {
    @Test func theDaemonIndexesWhileIdleAndTheAnswerStaysTheSame() throws {
        let state = try TestStateDirectory()
        let config = "[Import]\nSettleTime=50ms\n[Mail]\nTransport=none\n"
        // Imported by a one-shot run, which does not index: the lineage is read by a scan.
        try state.drop("a.csv", RetentionTests.rows(2_500, from: 0))
        let once = try BuiltProgram.userimportd.run(["--state-dir", state.root, "--once"])
        #expect(once.status == 0, "\(once.stderr)")
        try state.drop("b.csv", RetentionTests.rows(10, from: 2_000))
        let second = try BuiltProgram.userimportd.run(["--state-dir", state.root, "--once"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try state.count("SELECT count(*) FROM imports WHERE lineage_indexed_at IS NULL") == 2)
        let before = try BuiltProgram.userimportctl.run([
            "user", "u2005@example.com", "--state-dir", state.root,
        ])
        #expect(before.status == 0)
        #expect(before.stdout.contains("a.csv") && before.stdout.contains("b.csv"), "\(before.stdout)")

        let daemon = try RunningDaemon(state: state, config: config)
        try waitFor("every import indexed", timeout: 30) {
            try state.count("SELECT count(*) FROM imports WHERE lineage_indexed_at IS NULL") == 0
        }
        #expect(try state.count("SELECT count(*) FROM lineage_keys") >= 2_510)
        let after = try BuiltProgram.userimportctl.run([
            "user", "u2005@example.com", "--state-dir", state.root,
        ])
        #expect(after.stdout == before.stdout)
        #expect(try daemon.stop() == 0)
    }
}
