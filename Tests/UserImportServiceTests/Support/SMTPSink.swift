import Foundation

/// A local SMTP server (Tests/Support/smtp_sink.py) and msmtp as the sendmail-compatible client
/// the daemon pipes messages to: real SMTP on the loopback interface.
final class SMTPSink {
    let process = Process()
    let folder: String
    let port: Int

    /// Starts on `port` (0: any free port).
    init(folder: String, port: Int = 0) throws {
        self.folder = folder
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Support/smtp_sink.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, String(port), folder]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? FileManager.default.removeItem(atPath: folder + "/port")
        try process.run()
        let portFile = folder + "/port"
        let child = process
        try waitFor("the SMTP sink to listen", timeout: 20) {
            FileManager.default.fileExists(atPath: portFile) || !child.isRunning
        }
        guard let text = try? String(contentsOfFile: portFile, encoding: .utf8), let actual = Int(text) else {
            throw TestFailure("the SMTP sink did not start")
        }
        self.port = actual
    }

    deinit {
        stop()
    }

    /// SIGKILL: the test runner may have SIGTERM ignored, and an ignored signal stays ignored in
    /// a child (Python then never exits).
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The messages received so far, in order.
    func messages() throws -> [[String: Any]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }
    }

    /// A `sendmail` for the daemon: msmtp with a configuration pointing at `port`. With
    /// `afterwards`, the script runs that shell command once msmtp has handed the message over.
    static func sendmailWrapper(in directory: String, port: Int, afterwards: String = "") throws -> String {
        let config = directory + "/msmtprc"
        try "account default\nhost 127.0.0.1\nport \(port)\nfrom userimportd@localhost\nauth off\ntls off\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o600)
        let wrapper = directory + "/sendmail"
        try "#!/bin/sh\nmsmtp -C \(config) \"$@\" || exit $?\n\(afterwards)\n".write(
            toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        return wrapper
    }

    /// A free TCP port on the loopback interface (for a sink started later, "the MTA comes back").
    static func freePort() throws -> Int {
        let probe = try SMTPSink(folder: NSTemporaryDirectory() + "probe-\(UUID().uuidString)")
        let port = probe.port
        probe.stop()
        return port
    }
}
