import ArgumentParser
import UserImportCore
import UserImportStore

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "File Based Bulk User Import History, newest first.",
        discussion: "Example: userimportctl history --limit 20 --json")

    @OptionGroup var state: StateOptions
    @Option(help: "Show at most this many imports.") var limit: Int = 50
    @Flag(help: "Print a JSON array (SPEC §12).") var json = false

    func run() throws {
        let history = ImportHistory(database: try state.openDatabase())
        let records = try history.recent(limit: limit)
        if json {
            Output.write("[" + records.map(ReportJSON.historyEntry).joined(separator: ",\n") + "]\n")
            return
        }
        var text =
            "ID\tRECEIVED\tFILE\tDISPOSITION\tCREATED\tUPDATED\tDELETED\tACTIVATED\tIGNORED\tREJECTED\n"
        for record in records {
            let counts = record.summary.counts
            text += "\(record.id)\t\(record.receivedAt.rfc3339)\t\(SpreadsheetSafe.text(record.fileName))\t"
            text +=
                "\(record.disposition.rawValue)\t\(counts.created)\t\(counts.updated)\t\(counts.deleted)\t"
            text += "\(counts.activated)\t\(counts.ignored)\t\(counts.rejected)\n"
        }
        Output.write(text)
    }
}
