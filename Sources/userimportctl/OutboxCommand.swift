import ArgumentParser
import UserImportCore
import UserImportService
import UserImportStore

struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Invitation and activation emails with their state: pending, sent, failed.",
        discussion: "Example: userimportctl outbox --state failed")

    @OptionGroup var state: StateOptions
    @Option(
        name: .customLong("state"), help: "Only emails in this state: pending, sent, failed or cancelled.")
    var mailState: OutboxEntry.State?
    @OptionGroup var paging: PagingOptions
    @Flag(help: "Print a JSON array, newest first (see userimportctl(1)).") var json = false

    func run() throws {
        let listing = try state.openOutbox()
        if json {
            // Streamed: without --limit every entry, however many.
            var out = StandardOutput()
            var first = true
            out.write("[")
            try listing.forEachEntry(state: mailState, offset: paging.offset, limit: paging.limit(json: true))
            {
                entry in
                out.write(first ? "\n" : ",\n")
                first = false
                out.write(
                    "{\"id\":\(entry.id),\"kind\":\(JSON.quoted(entry.kind.rawValue)),\"email\":\(JSON.quoted(entry.email)),"
                        + "\"state\":\(JSON.quoted(entry.state.rawValue)),\"attempts\":\(entry.attempts),"
                        + "\"import_id\":\(entry.importID),\"line\":\(entry.line),"
                        + "\"created_at\":\(JSON.quoted(entry.createdAt.rfc3339)),"
                        + "\"last_error\":\(entry.lastError.map(JSON.quoted) ?? "null")}")
            }
            out.write("]\n")
            out.flush()
            return
        }
        let entries = try listing.entries(
            state: mailState, offset: paging.offset, limit: paging.limit(json: false) ?? .max)
        var table = TextTable(columns: [
            .init("ID", alignRight: true), .init("KIND"), .init("EMAIL", flexible: true), .init("STATE"),
            .init("ATTEMPTS", alignRight: true), .init("IMPORT", alignRight: true), .init("QUEUED"),
        ])
        for entry in entries {
            table.append([
                String(entry.id), entry.kind.rawValue, entry.email, entry.state.rawValue,
                String(entry.attempts),
                String(entry.importID), Format.time(entry.createdAt),
            ])
        }
        var text = entries.isEmpty ? "The outbox is empty.\n" : table.render(width: Terminal.width)
        if let notice = paging.cutNotice(shown: entries.count, total: try listing.count(state: mailState)) {
            text += notice
        }
        Output.write(text)
    }
}

extension OutboxEntry.State: ExpressibleByArgument {}
