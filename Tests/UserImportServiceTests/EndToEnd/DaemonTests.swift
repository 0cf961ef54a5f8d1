import Foundation
import Testing

/// The built daemon against real folders, real inotify and a real SQLite file.
@Suite(.serialized)
struct DaemonTests {
    static let fastSettle = "[Import]\nSettleTime=300ms\n"

    func row(_ index: Int, status: String = "New") -> String {
        "user\(index)@example.com, First\(index), Last\(index), , , , , \(status)\n"
    }

    @Test func aFileRenamedIntoTheInboxIsImportedAtOnce() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state)
        try state.drop("renamed.csv", seedSample)
        try waitFor("report", timeout: 10) { state.exists("done/renamed.csv.report.txt") }
        #expect(try state.users().count == 2)
        // The line is logged once the file is published, a moment after its report appears.
        try daemon.waitForLog("import finished")
        #expect(daemon.log.contains("import_id=1"))
        #expect(!daemon.log.contains("john.doe@example.com"), "no addresses in info logs")
        #expect(try daemon.stop() == 0)
    }

    @Test func aSlowWriterIsImportedOnceAfterItsLastWrite() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state, config: Self.fastSettle)
        // Written in place (not renamed in), closing and reopening between appends as scripts do:
        // every close is an IN_CLOSE_WRITE, and only settling says when the file is complete.
        func append(_ text: String) {
            let fd = open(state.paths.inbox + "/slow.csv", O_WRONLY | O_CREAT | O_APPEND, 0o644)
            #expect(fd >= 0)
            #expect(write(fd, text, text.utf8.count) == text.utf8.count)
            close(fd)
        }
        append("Email ID, First Name, Last Name, User Status\n")
        for index in 0..<5 {
            usleep(100_000)  // the writer's own pace, shorter than SettleTime
            append("user\(index)@example.com, F, L, New\n")
            #expect(state.exists("inbox/slow.csv"), "taken before the writer finished (after write \(index))")
        }
        try waitFor("report", timeout: 10) { state.exists("done/slow.csv.report.txt") }
        #expect(try state.users().count == 5)
        #expect(try state.count("SELECT count(*) FROM imports") == 1)
        _ = daemon
    }

    @Test func filesDroppedBeforeStartAreImportedAfterStart() throws {
        let state = try TestStateDirectory()
        try state.drop("early.csv", seedSample)
        let daemon = try RunningDaemon(state: state)
        try waitFor("report", timeout: 10) { state.exists("done/early.csv.report.txt") }
        #expect(try daemon.stop() == 0)
    }

    @Test func manyFilesDroppedWhileStoppedAreAllImportedAfterTheOverflowRescan() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state)
        kill(daemon.pid, SIGSTOP)
        let count = 20_000
        for index in 0..<count {
            try state.drop(
                "f\(index).csv",
                "Email ID, First Name, Last Name, User Status\nu\(index)@example.com, A, B, New\n")
        }
        kill(daemon.pid, SIGCONT)
        try waitFor("all \(count) files", timeout: 600) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == Int64(count)
        }
        #expect(try state.list("inbox").isEmpty)
        #expect(try state.list("done").count == 2 * count)
        #expect(try state.count("SELECT count(*) FROM users") == Int64(count))
        #expect(daemon.log.contains("inotify queue overflowed"))
        #expect(try daemon.stop() == 0)
    }

    @Test func nonRegularThingsAreReportedAndTheDaemonStaysUp() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state, config: Self.fastSettle)
        let secret = state.root + "/secret.csv"
        try (seedSample + "hidden.person@example.com, H, P, , , , , New\n").write(
            toFile: secret, atomically: false, encoding: .utf8)
        #expect(symlink(secret, state.paths.inbox + "/link.csv") == 0)
        #expect(mkfifo(state.paths.inbox + "/pipe.csv", 0o600) == 0)
        #expect(mkdir(state.paths.inbox + "/folder.csv", 0o755) == 0)
        try waitFor("three reports", timeout: 10) {
            ["link.csv", "pipe.csv", "folder.csv"].allSatisfy { state.exists("failed/\($0).report.txt") }
        }
        #expect(daemon.process.isRunning)
        #expect(try state.users().isEmpty, "the symlink's target was never read")
        try state.drop("after.csv", seedSample)
        try waitFor("a normal file still imports", timeout: 10) { state.exists("done/after.csv.report.txt") }
        #expect(try daemon.stop() == 0)
    }

    @Test func aSecondInstanceOnTheSameStateDirectoryIsRefused() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state)
        let second = try BuiltProgram.userimportd.run(["--state-dir", state.root])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another userimportd is already running"))
        #expect(try daemon.stop() == 0)
    }

    @Test func aBadConfigurationExitsTwoNamingFileLineAndKey() throws {
        let state = try TestStateDirectory()
        let config = state.root + "/bad.conf"
        try "[Import]\nStrict=yes\nSettleTime=soon\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try BuiltProgram.userimportd.run(["--config", config, "--state-dir", state.root])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.conf:3: [Import] SettleTime:"))
    }

    @Test func reloadAppliesAGoodConfigurationAndKeepsTheOldOneOnABadOne() throws {
        let state = try TestStateDirectory()
        let configPath = state.root + "/reload.conf"
        try "[Import]\nStrict=no\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let daemon = try RunningDaemon(state: state, arguments: ["--config", configPath])
        let oneBadRow = seedSample + "nobody@example.com, N, B, , , , , Update\n"

        try "[Import]\nStrict=yes\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        try daemon.waitForLog("configuration reloaded")
        try state.drop("strict.csv", oneBadRow)
        try waitFor("report", timeout: 10) { state.exists("failed/strict.csv.report.txt") }

        try "[Import]\nStrict=maybe\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        try daemon.waitForLog("configuration not reloaded")
        #expect(daemon.log.contains("reload.conf:2: [Import] Strict: use yes or no"))
        try state.drop("still-strict.csv", oneBadRow + "x@example.com, X, Y, , , , , New\n")
        try waitFor("report", timeout: 10) { state.exists("failed/still-strict.csv.report.txt") }
        #expect(daemon.process.isRunning)
        #expect(try daemon.stop() == 0)
    }

    @Test func stopDuringALargeImportRollsItBackAndTheNextStartImportsItOnce() throws {
        let state = try TestStateDirectory()
        var text = "Email ID, First Name, Last Name, User Status\n"
        for index in 0..<300_000 { text += "user\(index)@example.com, F, L, New\n" }
        let daemon = try RunningDaemon(state: state)
        try state.drop("big.csv", text)
        try waitFor("claimed", timeout: 10) { state.exists("work/big.csv") }
        #expect(try daemon.stop() == 0)
        #expect(state.exists("work/big.csv"), "the file in hand stays claimed")
        #expect(try state.count("SELECT count(*) FROM users") == 0, "nothing half applied")
        #expect(try state.count("SELECT count(*) FROM imports") == 0)

        let again = try RunningDaemon(state: state)
        try waitFor("report", timeout: 300) { state.exists("done/big.csv.report.txt") }
        #expect(try state.count("SELECT count(*) FROM users") == 300_000)
        #expect(try state.count("SELECT count(*) FROM imports") == 1)
        #expect(try again.stop() == 0)
    }
}

/// The daemon as an unprivileged user, as under systemd (the tests otherwise run as root, and root
/// reads every file).
@Suite(.serialized)
struct UnprivilegedDaemonTests {
    @Test(.enabled(if: getuid() == 0, "needs root to switch to an unprivileged user"))
    func aFileTheDaemonCannotReadFailsWithAReportAndBlocksNothing() throws {
        let state = try TestStateDirectory()
        _ = try state.pipeline()
        for folder in ["", "/inbox", "/done", "/failed", "/held", "/work"] {
            #expect(chown(state.root + folder, 65534, 65534) == 0)
        }
        let database = state.paths.database
        for suffix in ["", "-wal", "-shm"] { _ = chown(database + suffix, 65534, 65534) }
        // Dropped by root with mode 0600, as an SFTP upload with umask 077 leaves it.
        try state.drop("secret.csv", seedSample)
        #expect(chmod(state.paths.inbox + "/secret.csv", 0o600) == 0)
        try state.drop("zgood.csv", seedSample.replacingOccurrences(of: "New", with: "New "))
        #expect(chmod(state.paths.inbox + "/zgood.csv", 0o644) == 0)
        let result = try BuiltProgram(name: "userimportd").runAs(
            uid: 65534, ["--state-dir", state.root, "--once"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            try state.read("failed/secret.csv.report.txt").contains(
                "the file cannot be read (Permission denied)"))
        #expect(state.exists("done/zgood.csv.report.txt"), "the next file was not held up")
        #expect(try state.list("work").isEmpty)
    }

    @Test func withNoMailTransportTheDaemonStillStopsOnSIGTERM() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state, config: "[Mail]\nTransport=none\n")
        try state.drop("sample.csv", seedSample)
        try waitFor("imported", timeout: 10) { state.exists("done/sample.csv.report.txt") }
        #expect(try daemon.stop() == 0)
        #expect(try state.queuedEmails(.pending).count == 2)
        #expect(try state.queuedEmails().count == 2)
    }
}
