import Foundation
import Testing

/// The built daemon on a small tmpfs of its own: `unshare` gives it a private mount namespace, so
/// the mount vanishes with the daemon and the host's mount table never sees it. The test reaches
/// the tmpfs's files through `/proc/PID/root`, which resolves paths in the daemon's namespace, and
/// its database from inside that namespace (`nsenter`): SQLite resolves `/proc/PID/root` as a
/// symlink, to our own `/`.
final class NamespacedDaemon {
    let process = Process()
    let logPath: String
    /// The mount point, an empty folder when seen from outside the namespace.
    let mountPoint: String

    init(outside: TestStateDirectory, tmpfsOptions: String, config: String) throws {
        mountPoint = outside.root + "/fs"
        guard mkdir(mountPoint, 0o755) == 0 else { throw TestFailure("cannot create \(mountPoint)") }
        let configPath = outside.root + "/daemon.conf"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        logPath = outside.root + "/daemon.log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw TestFailure("cannot create \(logPath)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = [
            "--mount", "--propagation", "private", "/bin/sh", "-c",
            "mount -t tmpfs -o \"$1\" tmpfs \"$2\" && exec \"$3\" --state-dir \"$2/state\" --config \"$4\"",
            "sh", tmpfsOptions, mountPoint, BuiltProgram.userimportd.path, configPath,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = nil
        environment["JOURNAL_STREAM"] = nil
        process.environment = environment
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let child = process
        try waitFor("daemon started", timeout: 20) { self.log.contains("daemon started") || !child.isRunning }
        guard process.isRunning else { throw TestFailure("the daemon did not start:\n\(log)") }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The tmpfs as the daemon sees it (unshare and sh exec'd the daemon: one pid).
    var disk: String { "/proc/\(process.processIdentifier)/root" + mountPoint }

    /// How often the daemon said it will retry.
    var retries: Int { log.components(separatedBy: "import stopped by an error; will retry").count - 1 }

    /// One SQL query's rows, `|`-separated, run read-only inside the daemon's mount namespace.
    func query(_ sql: String) throws -> String {
        let script = """
            import sqlite3, sys
            db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
            for row in db.execute(sys.argv[2]): print("|".join(str(v) for v in row))
            """
        let result = try BuiltProgram.userimportd.run(
            [
                "-t", "\(process.processIdentifier)", "-m", "python3", "-c", script,
                mountPoint + "/state/userimportd.sqlite", sql,
            ], executable: "/usr/bin/nsenter")
        guard result.status == 0 else { throw TestFailure("query failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    func count(_ sql: String) throws -> Int {
        let text = try query(sql)
        guard let value = Int(text) else { throw TestFailure("not a count: \(text)") }
        return value
    }

    func stop() throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let child = process
        try waitFor("exit after SIGTERM", timeout: 30) { !child.isRunning }
        // Returns at once; it lets Foundation release the Process (LeakSanitizer under `make soak`).
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Issue #8: a full disk never sends a file to failed/ and never publishes a file without its
/// report; the daemon keeps running, retries, and finishes once space is free.
@Suite(.serialized)
struct DiskFullTests {
    static let config = "[Import]\nSettleTime=0ms\n[Mail]\nTransport=none\n"
    static let rows = 3_000

    func content() -> String {
        var text = "Email ID, First Name, Last Name, User Status\n"
        for index in 0..<Self.rows { text += "user\(index)@example.com, First\(index), Last\(index), New\n" }
        return text
    }

    /// Writes `path` until the filesystem has no block left; returns the bytes written.
    func fillBlocks(_ path: String) throws -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw TestFailure("cannot create \(path)") }
        defer { close(fd) }
        var total = 0
        for chunk in [1 << 20, 4096] {
            let buffer = [UInt8](repeating: 0x55, count: chunk)
            while true {
                let written = write(fd, buffer, chunk)
                if written <= 0 { break }
                total += written
            }
            guard errno == ENOSPC else { throw TestFailure("write failed: errno \(errno)") }
        }
        return total
    }

    /// Creates empty files in `folder` until the filesystem has no inode left; returns how many.
    func fillInodes(_ folder: String) throws -> Int {
        guard mkdir(folder, 0o700) == 0 else { throw TestFailure("cannot create \(folder)") }
        var count = 0
        while true {
            let fd = open(folder + "/\(count)", O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if fd < 0 { break }
            close(fd)
            count += 1
        }
        guard errno == ENOSPC else { throw TestFailure("create failed: errno \(errno)") }
        return count
    }

    /// Once space is back: imported once, published with its report, nothing left behind.
    func expectImportedOnce(_ state: TestStateDirectory, _ daemon: NamespacedDaemon) throws {
        #expect(try state.list("done") == ["users.csv", "users.csv.report.txt"])
        #expect(try state.read("done/users.csv.report.txt").contains("created \(Self.rows)"))
        #expect(try state.list("failed").isEmpty)
        #expect(try state.list("work").isEmpty)
        #expect(try state.list("inbox").isEmpty)
        #expect(try daemon.count("SELECT count(*) FROM imports") == 1)
        #expect(
            try daemon.count("SELECT count(*) FROM imports WHERE published = 1 AND disposition = 'done'") == 1
        )
        #expect(try daemon.count("SELECT count(*) FROM users") == Self.rows)
        #expect(try daemon.count("SELECT coalesce(sum(row_count), 0) FROM import_row_chunks") == Self.rows)
        // Queued emails are rows of `outbox` or entries still in blocks (Transport=none: all of them).
        #expect(
            try daemon.count(
                "SELECT (SELECT count(*) FROM outbox) "
                    + "+ (SELECT coalesce(sum(entry_count - expanded), 0) FROM outbox_blocks)") == Self.rows)
        #expect(try daemon.query("PRAGMA integrity_check") == "ok")
    }

    @Test(.enabled(if: getuid() == 0, "needs root for a mount namespace"))
    func withNoBlockLeftTheImportCannotCommitAndWaitsUntilSpaceIsFreed() throws {
        let outside = try TestStateDirectory()
        let daemon = try NamespacedDaemon(outside: outside, tmpfsOptions: "size=8m", config: Self.config)
        let disk = daemon.disk
        let state = TestStateDirectory(viewing: disk + "/state")
        // Written before the disk fills, renamed in after: a drop needs no space.
        try content().write(toFile: disk + "/staged.csv", atomically: false, encoding: .utf8)
        #expect(try fillBlocks(disk + "/filler") > 0)
        #expect(rename(disk + "/staged.csv", state.paths.inbox + "/users.csv") == 0)

        try waitFor("two failed attempts", timeout: 20) { daemon.retries >= 2 || !daemon.process.isRunning }
        #expect(daemon.process.isRunning, "\(daemon.log)")
        #expect(daemon.log.contains("database or disk is full (in: COMMIT)"))
        #expect(state.exists("inbox/users.csv") || state.exists("work/users.csv"), "the file stays")
        #expect(try state.list("done").isEmpty)
        #expect(try state.list("failed").isEmpty)
        #expect(try daemon.count("SELECT count(*) FROM imports") == 0, "nothing committed")
        #expect(try daemon.count("SELECT count(*) FROM users") == 0)

        #expect(unlink(disk + "/filler") == 0)
        try waitFor("the report", timeout: 30) { state.exists("done/users.csv.report.txt") }
        try waitFor("published", timeout: 10) {
            try daemon.count("SELECT count(*) FROM imports WHERE published = 1") == 1
        }
        try expectImportedOnce(state, daemon)
        #expect(try daemon.stop() == 0)
    }

    @Test(.enabled(if: getuid() == 0, "needs root for a mount namespace"))
    func withNoInodeLeftTheReportCannotBeWrittenAndNothingIsPublishedWithoutIt() throws {
        let outside = try TestStateDirectory()
        let daemon = try NamespacedDaemon(
            outside: outside, tmpfsOptions: "size=64m,nr_inodes=64", config: Self.config)
        let disk = daemon.disk
        let state = TestStateDirectory(viewing: disk + "/state")
        try content().write(toFile: disk + "/staged.csv", atomically: false, encoding: .utf8)
        #expect(try fillInodes(disk + "/filler") > 0)
        #expect(rename(disk + "/staged.csv", state.paths.inbox + "/users.csv") == 0)

        // The commit needs blocks only; the report's temp file needs an inode.
        try waitFor("two failed attempts", timeout: 20) { daemon.retries >= 2 || !daemon.process.isRunning }
        #expect(daemon.process.isRunning, "\(daemon.log)")
        #expect(daemon.log.contains("cannot create \".report-1.tmp\": No space left on device"))
        #expect(try daemon.count("SELECT count(*) FROM imports WHERE published = 0") == 1, "committed")
        #expect(try state.list("work") == ["users.csv"], "claimed, not published, no report temp file")
        #expect(try state.list("done").isEmpty, "nothing published without its report")
        #expect(try state.list("failed").isEmpty)

        for name in try FileManager.default.contentsOfDirectory(atPath: disk + "/filler") {
            #expect(unlink(disk + "/filler/" + name) == 0)
        }
        try waitFor("published", timeout: 30) {
            try daemon.count("SELECT count(*) FROM imports WHERE published = 1") == 1
        }
        try expectImportedOnce(state, daemon)
        #expect(try daemon.stop() == 0)
    }
}
