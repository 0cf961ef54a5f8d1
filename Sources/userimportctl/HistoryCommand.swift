import ArgumentParser
import Foundation
import UserImportCore
import UserImportService
import UserImportStore

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "File Based Bulk User Import History, newest first.",
        discussion: """
            Examples: userimportctl history --since 2026-11-01 --disposition failed
                      userimportctl history --json --file new-hires.csv --limit 1
            """)

    @OptionGroup var state: StateOptions
    @OptionGroup var paging: PagingOptions
    @Option(help: "Only imports received on or after this day (YYYY-MM-DD, UTC).") var since: String?
    @Option(help: "Only imports that ended so: done, failed, duplicate or held.") var disposition:
        Disposition?
    @Option(help: "Only imports of a file of this name (exactly).") var file: String?
    @Option(help: "Only imports of these bytes (SHA-256 in hex).") var sha256: String?
    @Option(help: "Only imports with a higher ID than this.") var after: Int64 = 0
    @Flag(help: "Print a JSON array of import objects (see userimportctl(1)).") var json = false

    func validate() throws {
        if let since, Timestamp(rfc3339Date: since) == nil {
            throw ValidationError("--since takes a day as YYYY-MM-DD, not \"\(since)\"")
        }
    }

    func run() throws {
        let history = try state.openHistory()
        let query = HistoryQuery(
            since: since.flatMap(Timestamp.init(rfc3339Date:)), disposition: disposition, fileName: file,
            sha256: sha256?.lowercased(), afterID: after)
        let limit = paging.limit(json: json)
        var out = StandardOutput()
        if json {
            var first = true
            out.write("[")
            try history.forEachRecent(query, offset: paging.offset, limit: limit) { record in
                out.write(first ? "\n" : ",\n")
                first = false
                out.write(ReportJSON.historyEntry(record))
            }
            out.write("]\n")
            out.flush()
            return
        }
        let records = try history.recent(query, offset: paging.offset, limit: limit)
        var table = Self.table()
        for record in records { table.append(Self.cells(record)) }
        let none = query.isFiltered ? "No imports match.\n" : "No imports yet.\n"
        out.write(records.isEmpty ? none : table.render(width: Terminal.width))
        if let notice = paging.cutNotice(shown: records.count, total: try history.count(query)) {
            out.write(notice)
        }
        out.flush()
    }

    private static func table() -> TextTable {
        TextTable(columns: [
            .init("ID", alignRight: true), .init("RECEIVED"), .init("FILE", flexible: true), .init("RESULT"),
            .init("CREATED", alignRight: true), .init("UPDATED", alignRight: true),
            .init("DELETED", alignRight: true), .init("ACTIVATED", alignRight: true),
            .init("IGNORED", alignRight: true), .init("REJECTED", alignRight: true),
            .init("TIME", alignRight: true), .init("REASON", flexible: true),
        ])
    }

    private static func cells(_ record: ImportRecord) -> [String] {
        let counts = record.summary.counts
        let millis = record.finishedAt.millisecondsSinceEpoch - record.startedAt.millisecondsSinceEpoch
        let reason =
            record.error ?? record.duplicateOf.map { "duplicate of import \($0)" } ?? ""
        return [
            String(record.id), Format.time(record.receivedAt), record.fileName, record.disposition.rawValue,
            String(counts.created), String(counts.updated), String(counts.deleted), String(counts.activated),
            String(counts.ignored), String(counts.rejected), Format.duration(milliseconds: millis), reason,
        ]
    }
}

extension Disposition: ExpressibleByArgument {}

/// Human forms of times and numbers for the tables (JSON keeps RFC 3339 and plain numbers).
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

    /// `1,234,567`: thousands grouped as the tables' readers expect.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }
}
