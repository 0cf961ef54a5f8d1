import Foundation
import UserImportPostgres

/// `backup` on PostgreSQL: pg_dump's custom format of the database the URL names. The dump reads
/// a snapshot this session exports, so the counts said are the copy's own, and pg_restore reads
/// the archive whole before it takes its name.
enum ServerBackup {
    static func dump(_ connection: PostgresConnection, url: String, to path: String) throws -> BackupSummary {
        let dump = try locate("pg_dump")
        let restore = try locate("pg_restore")
        let summary = try connection.rolledBackSnapshot {
            guard let snapshot = try connection.scalar("SELECT pg_export_snapshot()") else {
                throw ToolError.serverUnusable("the server exported no snapshot")
            }
            let summary = try BackupSummary(
                users: PostgresUserListing(connection: connection),
                history: PostgresImportHistory(connection: connection), check: "read whole by pg_restore")
            // The exporting transaction stays open until pg_dump is done: it holds the snapshot.
            // --no-password: libpq reads the passfile as the daemon does; never a prompt.
            try run(
                dump,
                [
                    "--format=custom", "--no-password", "--snapshot=" + snapshot, "--file=" + path,
                    "--dbname=" + url,
                ],
                advice:
                    "check [Database] URL and the passfile, and that pg_dump --version is at least the server's"
            )
            return summary
        }
        // After the snapshot is let go (it holds back vacuum and a migration's locks): a script to
        // nowhere, every data block read and decompressed, nothing restored.
        try run(
            restore, ["--file=/dev/null", "--", path], advice: "the copy did not read back whole; try again")
        return summary
    }

    /// The program's path on PATH, or what to install.
    private static func locate(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ToolError.backupProgramMissing(name)
    }

    private static func run(_ program: String, _ arguments: [String], advice: String) throws {
        let name = URL(fileURLWithPath: program).lastPathComponent
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let errors = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw ToolError.backupProgramFailed(
                name, how: "could not be started", said: "\(error)", advice: advice)
        }
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let status = process.terminationStatus
        guard process.terminationReason == .exit, status == 0 else {
            let killed = process.terminationReason == .uncaughtSignal
            let how =
                killed
                ? "was killed by signal \(status) (\(String(cString: strsignal(status))))"
                : "failed with exit status \(status)"
            // Its lines start with its own name, which the message says once.
            let lines = said.split(whereSeparator: \.isNewline).map { line in
                line.hasPrefix(name + ": ") ? line.dropFirst(name.count + 2) : line
            }
            throw ToolError.backupProgramFailed(
                name, how: how, said: lines.joined(separator: "; "), advice: killed ? "try again" : advice)
        }
    }
}
