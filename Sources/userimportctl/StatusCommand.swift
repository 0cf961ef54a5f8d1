import ArgumentParser
import Foundation
import UserImportCore
import UserImportService
import UserImportStore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Is the daemon running, what is in hand, what is waiting, what happened last.",
        discussion: """
            Works without a readable database too, and says why it cannot read one.
            Exit 0 when the daemon runs, 1 when it does not. Example: userimportctl status
            """)

    @OptionGroup var state: StateOptions
    @Flag(help: "Print JSON (see userimportctl(1)).") var json = false

    func run() throws {
        let configuration = try state.configuration()
        let status = try ServiceStatus.gather(
            configuration: configuration, readers: try state.openReadersIfPossible())
        Output.write(json ? Self.json(status) : Self.text(status))
        if !status.daemonRunning { throw ExitCode(1) }
    }

    static func json(_ status: ServiceStatus) -> String {
        let last = status.lastImport.map(ReportJSON.historyEntry) ?? "null"
        let importing =
            status.importing.map { progress in
                "{\"file\":\(JSON.quoted(progress.file)),\"bytes_read\":\(progress.bytesRead),"
                    + "\"size\":\(progress.size),\"percent\":\(progress.percent),"
                    + "\"started_at\":\(JSON.quoted(progress.startedAt))}"
            } ?? "null"
        return "{\"daemon_running\":\(status.daemonRunning),"
            + "\"systemd_state\":\(status.systemdState.map(JSON.quoted) ?? "null"),"
            + "\"systemd_status\":\(status.systemdStatus.map(JSON.quoted) ?? "null"),"
            + "\"importing\":\(importing),"
            + "\"inbox_waiting\":\(status.inboxWaiting),\"inbox_in_progress\":\(status.inboxInProgress),"
            + "\"work_files\":\(status.workFiles),\"outbox_pending\":\(status.outboxPending),"
            + "\"outbox_sent\":\(status.outboxSent),\"outbox_failed\":\(status.outboxFailed),"
            + "\"database\":\(JSON.quoted(status.database)),"
            + "\"database_readable\":\(status.databaseProblem == nil),"
            + "\"access_problem\":\(status.databaseProblem.map(JSON.quoted) ?? "null"),"
            + "\"held\":[" + status.held.map(ReportJSON.historyEntry).joined(separator: ",") + "],"
            + "\"last_import\":\(last)}\n"
    }

    static func text(_ status: ServiceStatus) -> String {
        var lines: [(String, String)] = [("Daemon", status.daemonRunning ? "running" : "not running")]
        if let systemd = status.systemdState {
            lines.append(("systemd", systemd + (status.systemdStatus.map { " — \($0)" } ?? "")))
        }
        if let progress = status.importing {
            lines.append(
                (
                    "Importing",
                    "\(SpreadsheetSafe.text(progress.file)): \(progress.percent)% "
                        + "(\(progress.bytesRead >> 20) of \(progress.size >> 20) MB)"
                ))
        }
        let uploading =
            status.inboxInProgress > 0 ? ", \(status.inboxInProgress) still being uploaded" : ""
        lines.append(("Inbox", "\(status.inboxWaiting) waiting" + uploading))
        if status.workFiles > 0 {
            lines.append(("In hand", "\(status.workFiles) file(s) in the work folder"))
        }
        for record in status.held {
            lines.append(
                (
                    "Held",
                    "\(record.id) \(SpreadsheetSafe.text(record.fileName)) would delete "
                        + "\(record.summary.counts.deleted) users; userimportctl release \(record.id) or reject \(record.id)"
                ))
        }
        if let last = status.lastImport {
            lines.append(
                (
                    "Last import",
                    "\(last.id) \(SpreadsheetSafe.text(last.fileName)) \(last.disposition.rawValue) "
                        + "at \(Format.time(last.finishedAt))"
                ))
        } else if status.databaseProblem == nil {
            lines.append(("Last import", "none yet"))
        }
        if status.databaseProblem == nil {
            lines.append(
                (
                    "Outbox",
                    "\(status.outboxPending) pending, \(status.outboxSent) sent, \(status.outboxFailed) failed"
                ))
        }
        lines.append(("Database", status.databaseProblem ?? status.database))
        return lines.map { ($0.0 + ":").padding(toLength: 13, withPad: " ", startingAt: 0) + $0.1 }.joined(
            separator: "\n") + "\n"
    }
}
