import ArgumentParser
import Foundation
import UserImportCore
import UserImportService
import UserImportStore

struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "List the user directory.",
        discussion: "Example: userimportctl users --state invited --search doe --json")

    @OptionGroup var state: StateOptions
    @Option(
        name: .customLong("state"), help: "Only users in this state (repeatable): invited, active, deleted.")
    var states: [UserState] = []
    @Option(help: "Only users whose email or name contains this text (any case).") var search: String?
    @OptionGroup var paging: PagingOptions
    @Flag(help: "Print a JSON array of user objects (see userimportctl(1)).") var json = false

    /// How far a search's matches are counted for the table's last line.
    static let searchCountLimit = 10_000

    func run() throws {
        let listing = try state.openUsers()
        var out = StandardOutput()
        let limit = paging.limit(json: json)
        if json {
            var first = true
            out.write("[")
            try listing.forEachUser(states: states, search: search, offset: paging.offset, limit: limit) {
                user in
                out.write(first ? "\n" : ",\n")
                first = false
                out.write(ReportJSON.user(user))
            }
            out.write("]\n")
            out.flush()
            return
        }
        var table = TextTable(columns: [
            .init("EMAIL", flexible: true), .init("STATE"), .init("FIRST NAME"), .init("LAST NAME"),
            .init("TITLE"),
            .init("DEPARTMENT"),
        ])
        try listing.forEachUser(states: states, search: search, offset: paging.offset, limit: limit) { user in
            let p = user.profile
            table.append([user.email, user.state.rawValue, p.firstName, p.lastName, p.title, p.department])
        }
        let filtered = !states.isEmpty || search != nil
        let none = filtered ? "No users match.\n" : "No users.\n"
        out.write(table.rows.isEmpty ? none : table.render(width: Terminal.width))
        // A search is counted up to a limit: a term most users match would otherwise read them all.
        let notice =
            search == nil
            ? paging.cutNotice(
                shown: table.rows.count, total: try listing.count(states: states, search: nil, atMost: nil))
            : paging.cutNotice(
                shown: table.rows.count,
                countedUpTo: try listing.count(
                    states: states, search: search, atMost: Self.searchCountLimit + 1),
                limit: Self.searchCountLimit)
        if let notice { out.write(notice) }
        out.flush()
    }
}

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "One user: profile, state, and every import row that named the address.",
        discussion: "Example: userimportctl user jane.doe@example.com")

    @OptionGroup var state: StateOptions
    @Argument(help: "The email address (any case).") var email: String
    @Flag(help: "Print JSON: the user object and its imports (see userimportctl(1)).") var json = false

    func run() throws {
        let listing = try state.openUsers()
        let key = EmailAddress.key(for: email) ?? email
        let lineage = try listing.lineage(email: key)
        guard let user = try listing.user(email: key) else {
            throw ToolError.noSuchUser(email: key, namedByRejectedRows: !lineage.isEmpty)
        }
        if json {
            let rows = lineage.map { entry in
                "{\"import_id\":\(entry.importID),\"file\":\(JSON.quoted(entry.fileName)),"
                    + "\"received_at\":\(JSON.quoted(entry.received.rfc3339)),\"line\":\(entry.row.line),"
                    + "\"status\":\(JSON.quoted(entry.row.status)),\"outcome\":\(JSON.quoted(entry.row.outcome.rawValue)),"
                    + "\"reason\":\(JSON.quoted(entry.row.reason))}"
            }
            Output.write(
                String(ReportJSON.user(user).dropLast()) + ",\"imports\":[" + rows.joined(separator: ",")
                    + "]}\n")
            return
        }
        let p = user.profile
        var text = ""
        for (label, value) in [
            ("Email", user.email), ("State", user.state.rawValue), ("First Name", p.firstName),
            ("Last Name", p.lastName), ("Alternate ID", p.alternateID), ("Work Phone", p.workPhone),
            ("Title", p.title), ("Department", p.department),
        ] {
            text +=
                (label + ":").padding(toLength: 14, withPad: " ", startingAt: 0) + SpreadsheetSafe.text(value)
                + "\n"
        }
        var table = TextTable(columns: [
            .init("IMPORT", alignRight: true), .init("RECEIVED"), .init("FILE", flexible: true),
            .init("LINE", alignRight: true), .init("STATUS"), .init("OUTCOME"), .init("REASON"),
        ])
        for entry in lineage {
            table.append([
                String(entry.importID), Format.time(entry.received), entry.fileName, String(entry.row.line),
                entry.row.status, entry.row.outcome.rawValue, entry.row.reason,
            ])
        }
        text += "\nImports that named this address\n" + table.render(width: Terminal.width)
        Output.write(text)
    }
}

extension UserState: ExpressibleByArgument {}
