import Foundation
import Testing
import UserImportCore

/// SIGHUP through the built daemon: the log level and the mail settings change at once, a path
/// that changed is named as needing a restart and keeps its old value.
struct ReloadTests {
    static let three =
        "Email ID,First Name,Last Name,User Status\n"
        + "a@example.com,A,A,New\nb@example.com,B,B,New\nc@example.com,C,C,New\n"

    @Test func aReloadAppliesTheLogLevelAndMailAndNamesThePathThatNeedsARestart() throws {
        let state = try TestStateDirectory()
        let configPath = state.root + "/reload.conf"
        func configure(_ extra: String) throws {
            try "[Paths]\nStateDirectory=\(state.root)\n\(extra)[Import]\nSettleTime=50ms\n"
                .write(toFile: configPath, atomically: true, encoding: .utf8)
        }
        try configure("[Mail]\nTransport=none\n")
        let daemon = try RunningDaemon(
            state: state, arguments: ["--config", configPath], stateDirOption: false)
        try state.drop("three.csv", Self.three)
        try waitFor("imported", timeout: 20) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == 1
        }
        #expect(try state.queuedEmails(.pending).count == 3, "transport none sends nothing")
        #expect(!daemon.log.contains("debug   "), "info by default")

        try configure("Inbox=\(state.root)/elsewhere\n[Mail]\nTransport=maildir\n[Log]\nLevel=debug\n")
        kill(daemon.pid, SIGHUP)
        try daemon.waitForLog("configuration reloaded")
        try waitFor("the three sent", timeout: 20) { try state.queuedEmails(.sent).count == 3 }
        let log = daemon.log
        #expect(log.contains("debug   email sent"), "the new level applies to the delivery thread's logger")
        #expect(log.contains("configuration key changed; it takes effect at the next restart"))
        #expect(log.contains("key=[Paths] Inbox"))
        #expect(log.contains("changed=[Mail] Transport, [Log] Level"))
        #expect(log.contains("restart_needed=[Paths] Inbox"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.root + "/mail/new").count == 3)

        // The inbox in force is still the old one.
        try state.drop("more.csv", "Email ID,First Name,Last Name,User Status\nd@example.com,D,D,New\n")
        try waitFor("imported from the old inbox", timeout: 20) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == 2
        }
        #expect(!FileManager.default.fileExists(atPath: state.root + "/elsewhere"))
        #expect(try daemon.stop() == 0)
    }

    /// A duplicate is known by its hash before a row is read: the same bytes are a duplicate
    /// even after a reload lowered MaxRows below their rows, which a read would have failed.
    @Test func aDuplicateIsRecognisedBeforeARowIsRead() throws {
        let state = try TestStateDirectory()
        let configPath = state.root + "/rows.conf"
        try "[Import]\nSettleTime=50ms\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let daemon = try RunningDaemon(state: state, arguments: ["--config", configPath])
        try state.drop("a.csv", Self.three)
        try waitFor("imported", timeout: 20) { state.exists("done/a.csv.report.txt") }
        try "[Import]\nSettleTime=50ms\nMaxRows=2\n".write(
            toFile: configPath, atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        try daemon.waitForLog("configuration reloaded")
        try state.drop("a.csv", Self.three)
        try waitFor("the copy decided", timeout: 20) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == 2
        }
        #expect(
            try state.count("SELECT disposition = 'duplicate' AND duplicate_of = 1 FROM imports WHERE id = 2")
                == 1)
        // Other bytes of the same size are read, and MaxRows now fails them.
        try state.drop("b.csv", Self.three.replacingOccurrences(of: "a@", with: "z@"))
        try waitFor("the other file decided", timeout: 20) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == 3
        }
        #expect(
            try state.count(
                "SELECT disposition = 'failed' AND instr(error, '(MaxRows)') > 0 FROM imports WHERE id = 3")
                == 1, "read from its first byte, and failed for its rows")
        #expect(try daemon.stop() == 0)
    }
}
