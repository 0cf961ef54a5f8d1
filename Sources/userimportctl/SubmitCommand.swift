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
            disposition; exits 1 if any failed. Example: userimportctl submit --wait new-hires.csv
            """)

    @OptionGroup var state: StateOptions
    @Argument(help: "The files to submit.") var files: [String]
    @Flag(help: "Wait until the daemon has imported each file.") var wait = false
    @Option(help: "With --wait: give up after this many seconds (exit 1).") var timeout: Int = 300

    func run() throws {
        let paths = try state.configuration().paths
        let before = try? ImportHistory(database: try state.openDatabase()).lastID()
        var submitted: [Submission.Submitted] = []
        for file in files {
            let copy = try Submission.copy(file, intoInbox: paths.inbox)
            submitted.append(copy)
            if !wait { Output.write("submitted \(copy.name)\n") }
        }
        guard wait else { return }
        var anyFailed = false
        let deadline = time(nil) + timeout
        for copy in submitted {
            let record = try waitForImport(of: copy, after: before ?? 0, deadline: deadline)
            Output.write("\(copy.name): import \(record.id) \(record.disposition.rawValue)\n")
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
        while time(nil) < deadline {
            // Opened afresh each time: the daemon may create the database after we started.
            if let database = try? state.openDatabase(),
                let record = try ImportHistory(database: database).latest(
                    fileName: copy.name, sha256: copy.sha256, after: id)
            {
                return record
            }
            usleep(50_000)
        }
        throw ToolError(
            description: "\(copy.name) was not imported within \(timeout) s; is userimportd running? "
                + "(userimportctl status)")
    }
}
