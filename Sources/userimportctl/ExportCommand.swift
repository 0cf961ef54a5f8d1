import ArgumentParser
import Glibc
import UserImportCore
import UserImportService
import UserImportStore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "All users in the import format (importing it into an empty directory gives the same users).",
        discussion: """
            Invited users are written as New rows, active users as New then Activate, deleted users
            (only with --state deleted) as New then Delete.
            Example: userimportctl export --delimiter semicolon -o users.csv
            """)

    @OptionGroup var state: StateOptions
    @Option(
        name: .customLong("state"), help: "Only users in this state (repeatable); default invited and active."
    )
    var states: [UserState] = []
    @Option(help: "comma, semicolon, tab or pipe.") var delimiter: String = "comma"
    @Option(name: .shortAndLong, help: "Write to this file (atomically) instead of stdout.") var output:
        String?

    func validate() throws {
        guard Delimiter(name: delimiter) != nil else {
            throw ValidationError("--delimiter takes comma, semicolon, tab or pipe")
        }
    }

    func run() throws {
        let separator = Delimiter(name: delimiter) ?? .comma
        let listing = try state.openUsers()
        var text = ExportText.headerLine(delimiter: separator)
        var out = StandardOutput()
        let wanted: [UserState] = states.isEmpty ? [.invited, .active] : states
        try listing.forEachUser(states: wanted, search: nil, offset: 0, limit: nil) { user in
            text += ExportText.lines(for: user, delimiter: separator)
            if output == nil, text.utf8.count > 1 << 16 {
                out.write(text)
                text = ""
            }
        }
        guard let output else {
            out.write(text)
            out.flush()
            return
        }
        try AtomicFile.write(text, to: output)
    }
}
