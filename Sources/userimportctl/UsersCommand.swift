import ArgumentParser
import UserImportCore
import UserImportStore

struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "List the user directory.",
        discussion: "Example: userimportctl users --state invited --json")

    @OptionGroup var state: StateOptions
    @Option(name: .customLong("state"), help: "Only users in this state: invited, active or deleted.")
    var userState: UserState?
    @Flag(help: "Print a JSON array (SPEC §12).") var json = false

    func run() throws {
        let users = try UserListing(database: try state.openDatabase()).users(state: userState)
        var out = StandardOutput()
        if json {
            out.write("[")
            for (index, user) in users.enumerated() {
                let p = user.profile
                let fields: [(String, String)] = [
                    ("email", user.email), ("first_name", p.firstName), ("last_name", p.lastName),
                    ("alternate_id", p.alternateID), ("work_phone", p.workPhone), ("title", p.title),
                    ("department", p.department), ("state", user.state.rawValue),
                ]
                out.write(index == 0 ? "\n" : ",\n")
                out.write(
                    "{" + fields.map { JSON.quoted($0.0) + ":" + JSON.quoted($0.1) }.joined(separator: ",")
                        + "}")
            }
            out.write("]\n")
        } else {
            out.write("EMAIL\tSTATE\tFIRST NAME\tLAST NAME\tTITLE\tDEPARTMENT\n")
            for user in users {
                let p = user.profile
                let cells = [user.email, user.state.rawValue, p.firstName, p.lastName, p.title, p.department]
                out.write(cells.map(SpreadsheetSafe.text).joined(separator: "\t") + "\n")
            }
        }
        out.flush()
    }
}

extension UserState: ExpressibleByArgument {}
