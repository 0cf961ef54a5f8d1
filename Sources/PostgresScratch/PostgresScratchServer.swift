import Foundation
import UserImportPostgres

/// A real PostgreSQL server for the tests and the benchmark: Debian's postgresql-15, its own
/// cluster in a temp directory, listening only on a Unix socket there; each user takes a
/// database of its own (`database()`), so tests run in parallel.
///
/// The server goes with the process that started it whatever way that ends: a shell started with
/// the server waits on a pipe only this process holds, and when the pipe closes (exit, crash,
/// kill -9) it shuts the server down and removes the cluster. `restart()` crashes the server
/// and has the shell start it again on the same cluster.
public final class PostgresScratchServer: Sendable {
    public let directory: String
    /// Where its programs are (pg_dump and pg_restore of the same version among them).
    public let binDirectory: String
    private let process: Process
    private let keepAlive: Pipe
    private let counter = Counter()

    /// The tests' server: one per test process, started on first use (fsync off: the tests do not
    /// check power loss).
    public static let forTests = Result { try PostgresScratchServer(durable: false) }

    /// `durable: false` (tests) turns fsync off; the benchmark keeps it, as a real server does.
    public init(durable: Bool) throws {
        var template = Array((NSTemporaryDirectory() + "userimport-pg-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw ScratchServerError("mkdtemp failed") }
        directory = String(cString: made)
        let bin = Self.findBinDirectory()
        binDirectory = bin
        // The shell stops the server and removes the cluster when this process goes (the pipe on
        // its stdin closes), when the server dies (the test then fails at once, not at the
        // deadline), when initdb fails, and on SIGINT/SIGTERM/SIGHUP.
        let script = """
            dir=$1
            pid=
            cleanup() {
                if [ -n "$pid" ]; then kill -QUIT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
                rm -rf "$dir"
            }
            trap cleanup EXIT
            trap 'exit 1' INT TERM HUP
            "\(bin)/initdb" -D "$dir/data" -U userimport -A trust -E UTF8 --locale=C --no-sync \
                >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
            exec 3<&0
            # A postmaster still starting up can miss the first signal: repeat until the loop
            # below has seen the last one go (or the cluster is gone).
            ( read _; : >"$dir/stop"
              until [ -e "$dir/stopped" ] || [ ! -d "$dir" ]; do
                  kill -QUIT "$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null)" 2>/dev/null; sleep 0.2
              done ) <&3 &
            # A server that exits is started again only when `restart()` asked for it.
            while :; do
                "\(bin)/postgres" -D "$dir/data" -k "$dir" -c listen_addresses= \
                    \(durable ? "" : "-c fsync=off -c synchronous_commit=off") -c max_connections=200 \
                    >>"$dir/server.log" 2>&1 &
                pid=$!
                wait "$pid"
                pid=
                [ -e "$dir/restart" ] && [ ! -e "$dir/stop" ] || break
                rm -f "$dir/restart"
            done
            : >"$dir/stopped"
            """
        process = Process()
        keepAlive = Pipe()
        // Only this process may hold the pipe's write end: a child that inherited it (the shell
        // itself included) would keep the server alive after the tests.
        _ = fcntl(keepAlive.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        process.standardInput = keepAlive
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        // PostgreSQL refuses to run as root: as root (CI), the cluster belongs to `postgres`.
        if getuid() == 0 {
            guard let account = getpwnam("postgres") else {
                throw ScratchServerError("no postgres account: install postgresql-15 (make test does)")
            }
            chown(directory, account.pointee.pw_uid, account.pointee.pw_gid)
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", "/bin/sh", "-c", script, "sh", directory]
        } else {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script, "sh", directory]
        }
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while true {
            if (try? PostgresConnection(url: adminURL)) != nil { break }
            guard process.isRunning, Date() < deadline else {
                let log =
                    (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8))
                    ?? String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
                throw ScratchServerError("PostgreSQL did not start in \(directory): \(log.suffix(2_000))")
            }
            usleep(20_000)
        }
    }

    /// Crashes the server (an immediate shutdown: no checkpoint, recovery from the WAL at the
    /// next start, as after a power cut on a durable server) and starts it again; returns once it
    /// answers. Every connection is cut.
    public func restart(timeout: TimeInterval = 60) throws {
        let before = try postmasterPID()
        guard FileManager.default.createFile(atPath: directory + "/restart", contents: nil) else {
            throw ScratchServerError("cannot ask for a restart in \(directory)")
        }
        kill(before, SIGQUIT)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let now = try? postmasterPID(), now != before, (try? PostgresConnection(url: adminURL)) != nil
            {
                return
            }
            guard process.isRunning, Date() < deadline else {
                throw ScratchServerError("PostgreSQL did not come back in \(directory)")
            }
            usleep(20_000)
        }
    }

    /// The running postmaster's pid, from the first line of its pid file.
    private func postmasterPID() throws -> pid_t {
        let text = try String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)
        guard let line = text.split(separator: "\n").first, let pid = pid_t(line), pid > 0 else {
            throw ScratchServerError("no postmaster pid in \(directory)")
        }
        return pid
    }

    public var adminURL: String { "host=\(directory) dbname=postgres user=userimport" }

    /// A new, empty database on the server; its connection string.
    public func database() throws -> String {
        let name = "t\(getpid())_\(counter.next())"
        try PostgresConnection(url: adminURL).execute("CREATE DATABASE \(name)")
        return "host=\(directory) dbname=\(name) user=userimport"
    }

    /// Where Debian's server programs are: `pg_config --bindir` (libpq-dev), else version 15's.
    private static func findBinDirectory() -> String {
        let probe = Process()
        let output = Pipe()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["pg_config", "--bindir"]
        probe.standardOutput = output
        probe.standardError = FileHandle.nullDevice
        if (try? probe.run()) != nil {
            probe.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if probe.terminationStatus == 0, FileManager.default.fileExists(atPath: text + "/postgres") {
                return text
            }
        }
        return "/usr/lib/postgresql/15/bin"
    }

    /// Numbers for the databases, unique within the process.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}

public struct ScratchServerError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
