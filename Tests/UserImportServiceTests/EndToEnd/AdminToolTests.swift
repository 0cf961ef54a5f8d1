import Foundation
import Testing

/// `userimportctl` against a database filled by real imports (the built binaries).
@Suite(.serialized)
struct AdminToolTests {
    static let second = """
        Email ID, First Name, Last Name, Alternate ID, Work Phone, Title, Department, User Status
        john.doe@example.com, John, Doe, , , , , Activate
        jane.doe@example.com, Jane, Doe-Smith, , , CFO, , Update
        ghost@example.com, Ghost, User, , , , , Delete
        not-an-email, Bad, Address, , , , , New

        """

    /// Three imports: the seed sample, a second file that activates, updates and rejects, and a failure.
    func filledState() throws -> TestStateDirectory {
        let state = try TestStateDirectory()
        try state.drop("sample.csv", seedSample)
        try state.drop("changes.csv", Self.second)
        try state.drop("broken.csv", "Email, Name\na@example.com, A\n")
        var times = [timespec(tv_sec: 1_000, tv_nsec: 0), timespec(tv_sec: 1_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, state.paths.inbox + "/sample.csv", &times, 0) == 0)
        times = [timespec(tv_sec: 2_000, tv_nsec: 0), timespec(tv_sec: 2_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, state.paths.inbox + "/changes.csv", &times, 0) == 0)
        let run = try BuiltProgram.userimportd.run(["--state-dir", state.root, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        return state
    }

    func ctl(_ arguments: [String], _ state: TestStateDirectory, columns: Int = 100) throws
        -> BuiltProgram.Result
    {
        try BuiltProgram.userimportctl.run(
            arguments + ["--state-dir", state.root], environment: ["COLUMNS": "\(columns)"])
    }

    /// Times change from run to run; the layout must not.
    func normalised(_ text: String) -> String {
        text.replacingOccurrences(
            of: #"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"#, with: "YYYY-MM-DD hh:mm:ss", options: .regularExpression
        ).replacingOccurrences(of: #" \d+\.\ds$"#, with: " 0.0s", options: [.regularExpression])
            .replacingOccurrences(of: #"(?m) \d+\.\ds$"#, with: " 0.0s", options: .regularExpression)
    }

    @Test func historyTableAtAFixedWidth() throws {
        let state = try filledState()
        let wide = try ctl(["history"], state, columns: 120)
        #expect(wide.status == 0)
        #expect(
            normalised(wide.stdout) == """
                ID  RECEIVED             FILE         RESULT  CREATED  UPDATED  DELETED  ACTIVATED  IGNORED  REJECTED  TIME  REASON
                 3  YYYY-MM-DD hh:mm:ss  broken.csv   failed        0        0        0          0        0         0  0.0s  the header…
                 2  YYYY-MM-DD hh:mm:ss  changes.csv  done          0        1        0          1        1         1  0.0s
                 1  YYYY-MM-DD hh:mm:ss  sample.csv   done          2        0        0          0        0         0  0.0s

                """)
        // REASON, then FILE give way (down to 8 characters) so that a line fits the terminal.
        let narrow = try ctl(["history"], state, columns: 114)
        #expect(
            normalised(narrow.stdout).split(separator: "\n").allSatisfy { $0.count <= 114 },
            "fits COLUMNS=114")
        #expect(narrow.stdout.contains("changes…"))
    }

    @Test func historyFiltersAndJSON() throws {
        let state = try filledState()
        let failed = try ctl(["history", "--disposition", "failed", "--json"], state)
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [[String: Any]])
        #expect(entries.map { $0["file"] as? String } == ["broken.csv"])
        #expect((entries.first?["error"] as? String)?.contains("no column for") == true)
        let keys = Set(entries.first?.keys.map { $0 } ?? [])
        #expect(keys.isSuperset(of: ["id", "file", "path", "sha256", "disposition", "error", "counts"]))
        #expect(try ctl(["history", "--limit", "1"], state).stdout.split(separator: "\n").count == 2)
        #expect(try ctl(["history", "--since", "2999-01-01"], state).stdout == "No imports match.\n")
        #expect(try ctl(["history", "--since", "yesterday"], state).status == 2)
    }

    @Test func reportOnlySomeOutcomesAndByFileName() throws {
        let state = try filledState()
        let rejected = try ctl(
            ["report", "--file", "changes.csv", "--only", "rejected", "--only", "ignored"], state)
        #expect(rejected.status == 0)
        let rows = rejected.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(
            rows == [
                "4\tghost@example.com\tDelete\trejected\tno such user",
                "5\tnot-an-email\tNew\tignored\tinvalid email",
            ])
        #expect(try ctl(["report", "--file", "nope.csv"], state).status == 1)
        #expect(try ctl(["report", "2", "--file", "changes.csv"], state).status == 2)
    }

    @Test func usersFiltersAndOneUsersLineage() throws {
        let state = try filledState()
        let active = try ctl(["users", "--state", "active", "--json"], state)
        let users = try #require(
            try JSONSerialization.jsonObject(with: Data(active.stdout.utf8)) as? [[String: String]])
        #expect(users.map { $0["email"] } == ["john.doe@example.com"])
        #expect(
            Set(users.first?.keys.map { $0 } ?? []) == [
                "email", "first_name", "last_name", "alternate_id", "work_phone", "title", "department",
                "state",
            ])
        let search = try ctl(["users", "--search", "SMITH"], state)
        #expect(search.stdout.split(separator: "\n").count == 2)
        #expect(search.stdout.contains("jane.doe@example.com  invited  Jane        Doe-Smith  CFO"))

        let jane = try ctl(["user", "Jane.Doe@Example.com"], state)
        #expect(jane.status == 0)
        #expect(jane.stdout.contains("Last Name:    Doe-Smith"))
        #expect(jane.stdout.contains("Title:        CFO"))
        let lineage = jane.stdout.split(separator: "\n").filter { $0.contains(".csv") }
        #expect(lineage.count == 2)
        #expect(lineage.first?.contains("sample.csv      3  New     created") == true)
        #expect(lineage.last?.contains("changes.csv     3  Update  updated") == true)
        #expect(try ctl(["user", "nobody@example.com"], state).status == 1)
    }

    @Test(arguments: ["comma", "semicolon", "tab", "pipe"])
    func exportThenImportIntoAnEmptyDirectoryGivesTheSameUsers(_ delimiter: String) throws {
        let state = try TestStateDirectory()
        try state.drop(
            "tricky.csv",
            #"""
            Email ID,First Name,Last Name,Alternate ID,Work Phone,Title,Department,User Status
            a@example.com,"Zoë, Jr.",O'Brien,A-1,"+1 800 555","Head of ""Fun""",R&D; Ops|East,New
            b@example.com," Ann",Lee ,,,,,New
            b@example.com,,,,,,,Activate
            c@example.com,Cy,Young,,,,,New
            c@example.com,,,,,,,Delete
            d@example.com,王,小明,,,=SUM(A1),,New

            """#)
        #expect(try BuiltProgram.userimportd.run(["--state-dir", state.root, "--once"]).status == 0)
        let export = state.root + "/export.csv"
        let exported = try ctl(["export", "--delimiter", delimiter, "-o", export], state)
        #expect(exported.status == 0, "\(exported.stderr)")

        let fresh = try TestStateDirectory()
        try state.dropFile(at: export, into: fresh, as: "export.csv")
        #expect(try BuiltProgram.userimportd.run(["--state-dir", fresh.root, "--once"]).status == 0)
        #expect(fresh.exists("done/export.csv"))
        let before = try ctl(["users", "--state", "invited", "--state", "active", "--json"], state).stdout
        let after = try ctl(["users", "--json"], fresh).stdout
        #expect(before == after)
        #expect(after.contains("\"first_name\":\" Ann\""), "edge spaces survive by quoting")
        #expect(after.contains("\"state\":\"active\""))
    }

    @Test func submitWaitsForTheRunningDaemon() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state)
        let good = state.root + "/good.csv"
        try seedSample.write(toFile: good, atomically: true, encoding: .utf8)
        let submitted = try ctl(["submit", "--wait", "--timeout", "30", good], state)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout == "good.csv: import 1 done\n")
        #expect(try state.list("inbox").isEmpty, "no temp file left behind")

        let bad = state.root + "/bad.csv"
        try "Email\nx@example.com\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try ctl(["submit", "--wait", bad], state)
        #expect(failed.status == 1)
        #expect(failed.stdout == "bad.csv: import 2 failed\n")
        #expect(failed.stderr.contains("see userimportctl report 2"))
        #expect(try daemon.stop() == 0)
    }

    @Test func submitRefusesToReplaceAWaitingFile() throws {
        let state = try TestStateDirectory()
        _ = try state.pipeline()
        try state.drop("same.csv", seedSample)
        let file = state.root + "/same.csv"
        try seedSample.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try ctl(["submit", file], state)
        #expect(result.status == 1)
        #expect(result.stderr.contains("already waiting in the inbox"))
        #expect(try state.list("inbox") == ["same.csv"])
    }

    @Test func statusSaysWhetherTheDaemonRuns() throws {
        let state = try filledState()
        let stopped = try ctl(["status"], state)
        #expect(stopped.status == 1)
        #expect(stopped.stdout.contains("Daemon:      not running"))
        #expect(stopped.stdout.contains("Last import: 3 broken.csv failed"))
        #expect(stopped.stdout.contains("Outbox:      3 pending, 0 sent, 0 failed"))
        let daemon = try RunningDaemon(state: state)
        try state.drop("waiting.csv.part", seedSample)
        let running = try ctl(["status", "--json"], state)
        #expect(running.status == 0)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(running.stdout.utf8)) as? [String: Any])
        #expect(object["daemon_running"] as? Bool == true)
        #expect(object["inbox_in_progress"] as? Int == 1)
        #expect((object["last_import"] as? [String: Any])?["id"] as? Int == 3)
        #expect(try daemon.stop() == 0)
    }

    @Test func outboxListsQueuedEmails() throws {
        let state = try filledState()
        let result = try ctl(["outbox", "--json"], state)
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(entries.map { $0["kind"] as? String } == ["activation", "invitation", "invitation"])
        #expect(entries.map { $0["id"] as? Int } == [3, 2, 1], "ids given at queue time, newest first")
        #expect(entries.map { $0["import_id"] as? Int } == [2, 1, 1])
        #expect(entries.allSatisfy { $0["state"] as? String == "pending" && $0["attempts"] as? Int == 0 })
        #expect(entries.first?["email"] as? String == "john.doe@example.com")
    }

    @Test(arguments: [
        "status", "history", "report", "users", "user", "validate", "submit", "export", "outbox",
    ])
    func everyCommandHasHelpWithAnExample(_ command: String) throws {
        let help = try BuiltProgram.userimportctl.run([command, "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Example"))
    }
}

extension TestStateDirectory {
    /// Drops a file from anywhere into another state directory's inbox.
    func dropFile(at path: String, into other: TestStateDirectory, as name: String) throws {
        try other.drop(name, Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}
