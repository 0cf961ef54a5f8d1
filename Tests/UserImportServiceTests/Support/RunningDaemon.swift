import Foundation

/// The built `userimportd` running in the foreground on a test state directory, its stderr kept
/// in a file. Stopped (SIGKILL if need be) when the test lets go of it.
final class RunningDaemon {
    let process = Process()
    let logPath: String

    init(
        state: TestStateDirectory, config: String? = nil, arguments: [String] = [],
        environment: [String: String] = [:], stateDirOption: Bool = true
    ) throws {
        logPath = state.root + "/daemon-\(UUID().uuidString).log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw TestFailure("cannot create \(logPath)")
        }
        // Without --state-dir the configuration's [Paths] hold (a test of their reload).
        var args = (stateDirOption ? ["--state-dir", state.root] : []) + arguments
        if let config {
            let path = state.root + "/test-\(UUID().uuidString).conf"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            args += ["--config", path]
        }
        process.executableURL = URL(fileURLWithPath: BuiltProgram.userimportd.path)
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = nil
        env["JOURNAL_STREAM"] = nil
        process.environment = env.merging(environment) { $1 }
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try waitFor("daemon started", timeout: 20) {
            self.log.contains("daemon started") || !self.process.isRunning
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits for a line in the daemon's log; on time-out the error carries the log.
    func waitForLog(_ text: String, timeout: Double = 10) throws {
        do {
            try waitFor(text, timeout: timeout) { self.log.contains(text) }
        } catch {
            throw TestFailure("\(error)\n--- daemon log ---\n\(log)")
        }
    }
    var pid: Int32 { process.processIdentifier }

    /// SIGTERM, then the exit status.
    func stop() throws -> Int32 {
        kill(pid, SIGTERM)
        try waitFor("exit after SIGTERM", timeout: 30) { !self.process.isRunning }
        // Returns at once; it lets Foundation release the Process (LeakSanitizer under `make soak`).
        process.waitUntilExit()
        return process.terminationStatus
    }

    func waitForExit(timeout: Double = 30) throws {
        try waitFor("daemon exit", timeout: timeout) { !self.process.isRunning }
        process.waitUntilExit()
    }
}

/// Polls `condition` until it holds or the deadline passes (never a fixed sleep).
func waitFor(_ what: String, timeout seconds: Double, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return }
        usleep(5_000)
    }
    if try condition() { return }
    throw TestFailure("timed out after \(seconds) s waiting for \(what)")
}
