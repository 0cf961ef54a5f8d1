import ArgumentParser
import Foundation
import UserImportCore
import UserImportService
import UserImportStore

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "File Based Bulk User Import History, newest first.",
        discussion: "Example: userimportctl history --since 2026-11-01 --disposition failed")

    @OptionGroup var state: StateOptions
    @Option(help: "Show at most this many imports.") var limit: Int = 50
    @Option(help: "Only imports received on or after this day (YYYY-MM-DD, UTC).") var since: String?
    @Option(help: "Only imports that ended so: done, failed or duplicate.") var disposition: Disposition?
    @Flag(help: "Print a JSON array (SPEC §12).") var json = false

    func validate() throws {
        if let since, Timestamp(rfc3339Date: since) == nil {
            throw ValidationError("--since takes a day as YYYY-MM-DD, not \"\(since)\"")
        }
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        let history = ImportHistory(database: try state.openDatabase())
        let records = try history.recent(
            limit: limit, since: since.flatMap(Timestamp.init(rfc3339Date:)), disposition: disposition)
        if json {
            Output.write("[" + records.map(ReportJSON.historyEntry).joined(separator: ",\n") + "]\n")
            return
        }
        var table = TextTable(columns: [
            .init("ID", alignRight: true), .init("RECEIVED"), .init("FILE", flexible: true), .init("RESULT"),
            .init("CREATED", alignRight: true), .init("UPDATED", alignRight: true),
            .init("DELETED", alignRight: true), .init("ACTIVATED", alignRight: true),
            .init("IGNORED", alignRight: true), .init("REJECTED", alignRight: true),
            .init("TIME", alignRight: true),
        ])
        for record in records {
            let counts = record.summary.counts
            let millis = record.finishedAt.millisecondsSinceEpoch - record.startedAt.millisecondsSinceEpoch
            table.append([
                String(record.id), Format.time(record.receivedAt), record.fileName,
                record.disposition.rawValue,
                String(counts.created), String(counts.updated), String(counts.deleted),
                String(counts.activated),
                String(counts.ignored), String(counts.rejected), Format.duration(milliseconds: millis),
            ])
        }
        Output.write(records.isEmpty ? "No imports yet.\n" : table.render(width: Terminal.width))
    }
}

extension Disposition: ExpressibleByArgument {}

/// Human forms of times for the tables (JSON keeps RFC 3339).
enum Format {
    /// `2026-11-25 02:14:54` (UTC).
    static func time(_ timestamp: Timestamp) -> String {
        let text = timestamp.rfc3339
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    static func duration(milliseconds: Int64) -> String {
        milliseconds < 10_000
            ? "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s" : "\(milliseconds / 1000)s"
    }
}
