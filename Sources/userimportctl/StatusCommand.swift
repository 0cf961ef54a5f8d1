import ArgumentParser
import Foundation
import UserImportCore
import UserImportService
import UserImportStore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Is the daemon running, what is waiting, what happened last.",
        discussion: "Exit 0 when the daemon runs, 1 when it does not. Example: userimportctl status")

    @OptionGroup var state: StateOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let configuration = try state.configuration()
        let database = FileSystem.exists(configuration.paths.database) ? try state.openDatabase() : nil
        let status = try ServiceStatus.gather(configuration: configuration, database: database)
        if json {
            let last = status.lastImport.map(ReportJSON.historyEntry) ?? "null"
            Output.write(
                "{\"daemon_running\":\(status.daemonRunning),"
                    + "\"systemd_state\":\(status.systemdState.map(JSON.quoted) ?? "null"),"
                    + "\"systemd_status\":\(status.systemdStatus.map(JSON.quoted) ?? "null"),"
                    + "\"inbox_waiting\":\(status.inboxWaiting),\"inbox_in_progress\":\(status.inboxInProgress),"
                    + "\"work_files\":\(status.workFiles),\"outbox_pending\":\(status.outboxPending),"
                    + "\"outbox_failed\":\(status.outboxFailed),\"database\":\(JSON.quoted(status.database)),"
                    + "\"last_import\":\(last)}\n")
        } else {
            var lines: [(String, String)] = [
                ("Daemon", status.daemonRunning ? "running" : "not running")
            ]
            if let systemd = status.systemdState {
                lines.append(("systemd", systemd + (status.systemdStatus.map { " — \($0)" } ?? "")))
            }
            lines.append(
                (
                    "Inbox",
                    "\(status.inboxWaiting) waiting"
                        + (status.inboxInProgress > 0
                            ? ", \(status.inboxInProgress) still being uploaded" : "")
                ))
            if status.workFiles > 0 {
                lines.append(("In hand", "\(status.workFiles) file(s) in the work folder"))
            }
            if let last = status.lastImport {
                lines.append(
                    (
                        "Last import",
                        "\(last.id) \(SpreadsheetSafe.text(last.fileName)) \(last.disposition.rawValue) at \(Format.time(last.finishedAt))"
                    ))
            } else {
                lines.append(("Last import", "none yet"))
            }
            lines.append(("Outbox", "\(status.outboxPending) pending, \(status.outboxFailed) failed"))
            lines.append(("Database", status.database))
            Output.write(
                lines.map { ($0.0 + ":").padding(toLength: 13, withPad: " ", startingAt: 0) + $0.1 }.joined(
                    separator: "\n") + "\n")
        }
        if !status.daemonRunning { throw ExitCode(1) }
    }
}
