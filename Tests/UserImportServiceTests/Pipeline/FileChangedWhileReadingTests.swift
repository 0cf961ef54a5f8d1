import Foundation
import Testing
import UserImportService

/// Issue #8: a file that changes while it is being read (its writer kept it open across the rename)
/// is never committed as read: the transaction is rolled back and the file read again.
struct FileChangedWhileReadingTests {
    func append(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_APPEND)
        #expect(fd >= 0)
        #expect(write(fd, text, text.utf8.count) == text.utf8.count)
        close(fd)
    }

    @Test func rowsAppendedAfterTheLastReadRollTheImportBackAndTheNextReadTakesThemAll() throws {
        let state = try TestStateDirectory()
        try state.drop("growing.csv", seedSample)
        let pipeline = try state.pipeline()
        let size = seedSample.utf8.count
        let extra = "late.person@example.com, Late, Person, , , , , New\n"
        var callsAtTheEnd = 0
        pipeline.onProgress = { _, bytesRead, _ in
            guard bytesRead == size else { return }
            callsAtTheEnd += 1
            // The second call at the end is the read that found end-of-file: append just after it.
            if callsAtTheEnd == 2 { self.append(extra, to: state.paths.work + "/growing.csv") }
        }
        #expect(throws: FileChangedWhileReading.self) { try pipeline.processInbox() }
        #expect(callsAtTheEnd == 2)
        #expect(try state.list("work") == ["growing.csv"], "stays claimed")
        #expect(try state.list("done").isEmpty)
        #expect(try state.count("SELECT count(*) FROM imports") == 0, "rolled back")
        #expect(try state.users().isEmpty)

        let records = try pipeline.reconcile()
        #expect(records.map(\.summary.rows) == [3])
        #expect(try state.read("done/growing.csv") == seedSample + extra)
        #expect(try state.users().count == 3)
        #expect(try state.storedRowCount() == 3)
        #expect(try state.queuedEmails().map(\.id) == [3, 2, 1])
        #expect(try state.count("SELECT count(*) FROM imports") == 1)
    }
}

/// The daemon with a writer still appending to a file it has claimed.
@Suite(.serialized)
struct FileChangedWhileReadingDaemonTests {
    func row(_ index: Int) -> String { "user\(index)@example.com, First\(index), Last\(index), New\n" }

    func append(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_APPEND)
        #expect(fd >= 0)
        #expect(write(fd, text, text.utf8.count) == text.utf8.count)
        close(fd)
    }

    @Test func aFileAppendedToDuringItsImportIsImportedOnceWithAllItsRowsAfterItSettles() throws {
        let state = try TestStateDirectory()
        let token = state.root + "/pause"
        #expect(FileManager.default.createFile(atPath: token, contents: nil))
        let daemon = try RunningDaemon(
            state: state, config: "[Import]\nSettleTime=1s\n[Mail]\nTransport=none\n",
            environment: ["USERIMPORTD_TEST_PAUSE_TOKEN": token])
        try state.drop(
            "growing.csv", "Email ID, First Name, Last Name, User Status\n" + (0..<3).map(row).joined())
        // The daemon has read the file to its end and holds its transaction open.
        try waitFor("the import to pause", timeout: 10) { !state.exists("pause") }
        let claimed = state.paths.work + "/growing.csv"
        append(row(3), to: claimed)
        #expect(FileManager.default.createFile(atPath: token + ".resume", contents: nil))
        try daemon.waitForLog("file changed while it was being read")
        #expect(try state.count("SELECT count(*) FROM imports") == 0, "rolled back")
        // The writer goes on at its own pace, faster than SettleTime: the file is not read meanwhile.
        for index in 4..<9 {
            usleep(100_000)
            append(row(index), to: claimed)
            #expect(!state.exists("done/growing.csv"), "read again before it settled (after write \(index))")
        }
        try waitFor("report", timeout: 10) { state.exists("done/growing.csv.report.txt") }
        #expect(try state.read("done/growing.csv").components(separatedBy: "\n").count == 11)
        #expect(try state.count("SELECT count(*) FROM imports") == 1)
        #expect(try state.count("SELECT count(*) FROM imports WHERE rows_total = 9 AND created = 9") == 1)
        #expect(try state.storedRowCount() == 9)
        #expect(try state.users().count == 9)
        #expect(try state.list("work").isEmpty)
        #expect(daemon.log.contains("warning"))
        #expect(try daemon.stop() == 0)
    }

    /// The second read commits from the recovery path; its invitations go out at once, not when the
    /// delivery loop next looks on its own (up to 30 s later).
    @Test func theInvitationsOfAFileReadAgainAreDeliveredAtOnce() throws {
        let state = try TestStateDirectory()
        let token = state.root + "/pause"
        #expect(FileManager.default.createFile(atPath: token, contents: nil))
        let daemon = try RunningDaemon(
            state: state, config: "[Import]\nSettleTime=200ms\n",
            environment: ["USERIMPORTD_TEST_PAUSE_TOKEN": token])
        let header = "Email ID, First Name, Last Name, User Status\n"
        // A first file, imported at once, leaves the delivery loop asleep with nothing due.
        try state.drop("first.csv", header + row(0))
        try waitFor("the import to pause", timeout: 10) { !state.exists("pause") }
        #expect(FileManager.default.createFile(atPath: token + ".resume", contents: nil))
        try waitFor("first invitation", timeout: 20) { (try? state.list("mail/new").count) == 1 }
        #expect(FileManager.default.createFile(atPath: token, contents: nil))
        try state.drop("growing.csv", header + row(1))
        try waitFor("the import to pause", timeout: 10) { !state.exists("pause") }
        append(row(2), to: state.paths.work + "/growing.csv")
        #expect(FileManager.default.createFile(atPath: token + ".resume", contents: nil))
        try waitFor("report", timeout: 10) { state.exists("done/growing.csv.report.txt") }
        try waitFor("three invitations", timeout: 10) { (try? state.list("mail/new").count) == 3 }
        #expect(try daemon.stop() == 0)
    }
}
