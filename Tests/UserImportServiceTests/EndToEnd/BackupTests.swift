import Foundation
import Testing
import UserImportCore
import UserImportStore

/// `userimportctl backup` while the daemon runs, against an import paused between its last row
/// and its commit; then the restore the manual describes.
struct BackupTests {
    static let header = "Email ID,First Name,Last Name,User Status\n"

    static func rows(_ count: Int, from first: Int) -> String {
        header + (first..<(first + count)).map { "u\($0)@example.com,U,\($0),New\n" }.joined()
    }

    func backup(_ state: TestStateDirectory, to file: String) throws -> BuiltProgram.Result {
        try BuiltProgram.userimportctl.run(["--state-dir", state.root, "backup", file])
    }

    func counts(of file: String) throws -> (users: Int64?, imports: Int64?) {
        let copy = try ImportDatabase(path: file, readOnly: true)
        #expect(try copy.integrityCheck() == ["ok"])
        return (
            try copy.connection.scalar("SELECT count(*) FROM users"),
            try copy.connection.scalar("SELECT count(*) FROM imports")
        )
    }

    @Test func aBackupDuringAnImportHoldsItWholeOrNotAtAllAndRestores() throws {
        let state = try TestStateDirectory()
        let token = state.root + "/pause"
        let config = "[Import]\nSettleTime=50ms\n[Mail]\nTransport=none\n"
        var daemon = try RunningDaemon(
            state: state, config: config, environment: ["USERIMPORTD_TEST_PAUSE_TOKEN": token])
        try state.drop("first.csv", Self.rows(3, from: 0))
        try waitFor("first imported", timeout: 20) { state.exists("done/first.csv.report.txt") }

        // The second file read to its end, every row written, not committed.
        #expect(FileManager.default.createFile(atPath: token, contents: nil))
        try state.drop("second.csv", Self.rows(2_000, from: 3))
        try waitFor("the import to pause before its commit", timeout: 20) { !state.exists("pause") }
        let during = state.root + "/during.sqlite"
        let result = try backup(state, to: during)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("3 users, imports up to 1"), "\(result.stdout)")
        #expect(try counts(of: during) == (3, 1), "nothing of the import in progress")
        var info = stat()
        #expect(stat(during, &info) == 0 && info.st_mode & 0o777 == 0o600, "owner only")

        #expect(FileManager.default.createFile(atPath: token + ".resume", contents: nil))
        try waitFor("second imported", timeout: 20) { state.exists("done/second.csv.report.txt") }
        let after = state.root + "/after.sqlite"
        #expect(try backup(state, to: after).status == 0)
        #expect(try counts(of: after) == (2_003, 2), "the committed import whole")
        let again = try backup(state, to: after)
        #expect(again.status == 1 && again.stderr.contains("exists"), "never replaced")
        #expect(try counts(of: after) == (2_003, 2))
        #expect(try state.list(".").filter { $0.contains("backup") }.isEmpty, "no temporary copy left")

        // Restore the copy taken during the import: stop, put it in place, drop the log, start.
        #expect(try daemon.stop() == 0)
        let database = state.root + "/userimportd.sqlite"
        for suffix in ["", "-wal", "-shm"] { unlink(database + suffix) }
        try FileManager.default.copyItem(atPath: during, toPath: database)
        daemon = try RunningDaemon(state: state, config: config)
        #expect(try state.count("SELECT count(*) FROM imports") == 1)
        #expect(try state.count("SELECT count(*) FROM users") == 3)
        // The restored history never saw the second file: dropped again, it imports.
        try state.drop("second.csv", Self.rows(2_000, from: 3))
        try waitFor("imported again", timeout: 20) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == 2
        }
        #expect(try state.count("SELECT disposition = 'done' FROM imports WHERE id = 2") == 1)
        #expect(try state.count("SELECT count(*) FROM users") == 2_003)
        #expect(try daemon.stop() == 0)
    }
}
