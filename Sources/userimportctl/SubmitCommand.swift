import ArgumentParser
import Glibc
import UserImportCore
import UserImportService
import UserImportStore

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Copy files into the inbox safely (temp name, fsync, rename).",
        discussion: """
            With --wait, waits for the daemon to import each file and prints its import ID and
            disposition; exits 1 if any failed. "-" reads one file from standard input (give its
            name with --name). --json prints, per file, {"name", "sha256", "after_import"}: the
            import is the one `history --json --file NAME --sha256 SHA256 --after AFTER_IMPORT` finds.
            Examples: userimportctl submit --wait new-hires.csv
                      hr-export | userimportctl submit - --name monday.csv
            """)

    @OptionGroup var state: StateOptions
    @Argument(help: "The files to submit (\"-\": standard input, with --name).") var files: [String]
    @Option(help: "The name in the inbox of the file read from standard input.") var name: String?
    @Flag(help: "Wait until the daemon has imported each file.") var wait = false
    @Option(help: "With --wait: give up after this many seconds (exit 1).") var timeout: Int = 300
    @Flag(help: "Print a JSON array: what to look for in the history.") var json = false

    func validate() throws {
        if files.contains("-") {
            guard files == ["-"] else {
                throw ValidationError("\"-\" (standard input) must be the only file")
            }
            guard name != nil else {
                throw ValidationError("\"-\" needs --name NAME (for example --name users.csv)")
            }
        } else if name != nil {
            throw ValidationError("--name goes with \"-\" (standard input) only")
        }
    }

    func run() throws {
        let paths = try state.configuration().paths
        // Imports are found by name, bytes and an ID above this; none yet is 0. A store that
        // cannot be read for another reason is an error, not "none yet": an earlier import of
        // the same file would then be taken for this one.
        let before: Int64
        do {
            before = try state.openHistory().lastID()
        } catch DatabaseAccess.Problem.missing, ToolError.serverWithoutTables {
            before = 0
        }
        var submitted: [Submission.Submitted] = []
        for file in files {
            let copy =
                if file == "-", let name {
                    try Submission.copy(
                        from: 0, describedAs: "standard input", as: name, intoInbox: paths.inbox)
                } else {
                    try Submission.copy(file, intoInbox: paths.inbox)
                }
            submitted.append(copy)
            if !wait && !json { Output.write("submitted \(copy.name)\n") }
        }
        if json {
            let objects = submitted.map { copy in
                "{\"name\":\(JSON.quoted(copy.name)),\"sha256\":\(JSON.quoted(copy.sha256)),\"after_import\":\(before)}"
            }
            Output.write("[" + objects.joined(separator: ",\n") + "]\n")
        }
        guard wait else { return }
        var anyFailed = false
        let deadline = time(nil) + timeout
        for copy in submitted {
            let record = try waitForImport(of: copy, after: before, deadline: deadline)
            if !json { Output.write("\(copy.name): import \(record.id) \(record.disposition.rawValue)\n") }
            if record.disposition == .failed {
                anyFailed = true
                Output.error(
                    "\(copy.name): \(record.error ?? "failed"); see userimportctl report \(record.id)")
            }
        }
        if anyFailed { throw ExitCode(1) }
    }

    private func waitForImport(of copy: Submission.Submitted, after id: Int64, deadline: Int) throws
        -> ImportRecord
    {
        let record = try DaemonAnswer.poll(state, until: deadline) { history in
            try history.latest(fileName: copy.name, sha256: copy.sha256, after: id)
        }
        guard let record else { throw ToolError.notImportedInTime(name: copy.name, seconds: timeout) }
        return record
    }
}
