import Foundation
import Testing

/// What the Cockpit page and scripts need of `userimportctl`: stdin, paging, filters, progress,
/// global options, and no silent empty answers.
@Suite(.serialized)
struct AdminToolPagingTests {
    let tool = AdminToolTests()

    func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test func aMissingDatabaseIsAnErrorNamingThePathNotAnEmptySystem() throws {
        let state = try TestStateDirectory()
        for command in [
            ["history"], ["users"], ["outbox"], ["export"], ["history", "--json"], ["report", "1"],
        ] {
            let result = try tool.ctl(command, state)
            #expect(result.status == 1, "\(command)")
            #expect(result.stdout.isEmpty, "\(command) printed \(result.stdout)")
            #expect(result.stderr.contains("no database at \(state.root)/userimportd.sqlite"), "\(command)")
        }
        // The two that may work without one say so.
        let status = try tool.ctl(["status", "--json"], state)
        let object = try #require(try json(status.stdout) as? [String: Any])
        #expect(object["database_readable"] as? Bool == false)
        #expect((object["access_problem"] as? String)?.contains("no database at") == true)
        let file = state.root + "/new.csv"
        try seedSample.write(toFile: file, atomically: true, encoding: .utf8)
        let validate = try tool.ctl(["validate", file], state)
        #expect(validate.status == 0)
        #expect(validate.stderr.contains("checked against an empty directory"))
    }

    @Test func anUnreadableDatabaseSaysToJoinTheGroup() throws {
        let state = try tool.filledState()
        #expect(chmod(state.root, 0o700) == 0)
        let result = try BuiltProgram.userimportctl.runAs(uid: 65534, ["history", "--state-dir", state.root])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("permission denied — are you in the"))
        #expect(result.stderr.contains("usermod -aG"))
        let status = try BuiltProgram.userimportctl.runAs(
            uid: 65534, ["status", "--json", "--state-dir", state.root])
        let object = try #require(try json(status.stdout) as? [String: Any])
        #expect((object["access_problem"] as? String)?.contains("permission denied") == true)
    }

    @Test func sharedOptionsMayStandBeforeTheSubcommand() throws {
        let state = try tool.filledState()
        let before = try BuiltProgram.userimportctl.run(["--state-dir", state.root, "history", "--json"])
        let after = try BuiltProgram.userimportctl.run(["history", "--json", "--state-dir", state.root])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout == after.stdout)
        let equals = try BuiltProgram.userimportctl.run(["--state-dir=\(state.root)", "users", "--json"])
        #expect(equals.status == 0, "\(equals.stderr)")
        #expect(equals.stdout.contains("jane.doe@example.com"))
    }

    /// A search most users match is counted no further than 10,000: the table says "more than".
    @Test func aCommonSearchIsCountedUpToALimit() throws {
        let state = try TestStateDirectory()
        var rows = "Email ID,First Name,Last Name,User Status\n"
        for index in 0..<10_050 { rows += "user\(index)@example.com,U,\(index),New\n" }
        try state.drop("many.csv", rows)
        #expect(try BuiltProgram.userimportd.run(["--state-dir", state.root, "--once"]).status == 0)
        let common = try tool.ctl(["users", "--search", "example"], state, columns: 200)
        #expect(
            common.stdout.split(separator: "\n").last
                == "50 of more than 10,000 shown; a longer search, --limit N or --all")
        let fewer = try tool.ctl(["users", "--search", "user1"], state, columns: 200)
        #expect(fewer.stdout.split(separator: "\n").last == "50 of 1,161 shown; --limit N or --all")
        let all = try tool.ctl(["users"], state, columns: 200)
        #expect(all.stdout.split(separator: "\n").last == "50 of 10,050 shown; --limit N or --all")
    }

    @Test func bothProgramsHaveAVersionAndUsageErrorsExitTwo() throws {
        for program in [BuiltProgram.userimportd, .userimportctl] {
            let version = try program.run(["--version"])
            #expect(version.status == 0)
            #expect(version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
            #expect(try program.run(["--no-such-option"]).status == 2, "\(program.name)")
        }
    }

    @Test func historyPagesAndFindsOneFileByNameAndBytes() throws {
        let state = try tool.filledState()
        let all = try #require(try json(tool.ctl(["history", "--json"], state).stdout) as? [[String: Any]])
        #expect(all.map { $0["id"] as? Int } == [3, 2, 1])
        let page = try #require(
            try json(tool.ctl(["history", "--json", "--offset", "1", "--limit", "1"], state).stdout)
                as? [[String: Any]])
        #expect(page.map { $0["id"] as? Int } == [2])
        let sha = try #require(all.last?["sha256"] as? String)
        let found = try #require(
            try json(tool.ctl(["history", "--json", "--file", "sample.csv", "--sha256", sha], state).stdout)
                as? [[String: Any]])
        #expect(found.map { $0["id"] as? Int } == [1])
        let none = try tool.ctl(["history", "--json", "--file", "sample.csv", "--after", "1"], state)
        #expect(none.stdout == "[]\n")
        // A table cut at its default says so; the failure's reason is a column.
        let table = try tool.ctl(["history", "--limit", "2"], state, columns: 400)
        #expect(!table.stdout.contains("shown;"), "an explicit limit is not a silent cut")
        let failed = try tool.ctl(["history", "--disposition", "failed"], state, columns: 400)
        #expect(failed.stdout.contains("has no column for"))
    }

    @Test func aTableCutAtItsDefaultSaysSo() throws {
        let state = try TestStateDirectory()
        var rows = "Email ID,First Name,Last Name,User Status\n"
        for index in 0..<60 { rows += "user\(index)@example.com,U,\(index),New\n" }
        try state.drop("sixty.csv", rows)
        #expect(try BuiltProgram.userimportd.run(["--state-dir", state.root, "--once"]).status == 0)
        let table = try tool.ctl(["users"], state, columns: 200)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 52)
        #expect(lines.last == "50 of 60 shown; --limit N or --all")
        #expect(
            try tool.ctl(["users", "--all"], state, columns: 200).stdout.split(separator: "\n").count == 61)
        let users = try #require(try json(tool.ctl(["users", "--json"], state).stdout) as? [[String: Any]])
        #expect(users.count == 60, "JSON is never cut without --limit")
        let page = try #require(
            try json(tool.ctl(["users", "--json", "--offset", "55", "--limit", "10"], state).stdout)
                as? [[String: Any]])
        #expect(page.count == 5)
    }

    @Test func reportRowsPageWithAndWithoutAFilter() throws {
        let state = try TestStateDirectory()
        // Three chunks of stored rows (1,024 each), every seventh row invalid.
        var rows = "Email ID,First Name,Last Name,User Status\n"
        for index in 0..<3_000 {
            rows += index % 7 == 0 ? "bad\(index),B,\(index),New\n" : "u\(index)@example.com,U,\(index),New\n"
        }
        try state.drop("big.csv", rows)
        #expect(try BuiltProgram.userimportd.run(["--state-dir", state.root, "--once"]).status == 0)
        func page(_ extra: [String]) throws -> [String: Any] {
            try #require(
                try json(tool.ctl(["report", "1", "--json"] + extra, state).stdout) as? [String: Any])
        }
        let whole = try page([])
        let every = try #require(whole["rows"] as? [[String: Any]])
        #expect(every.count == 3_000)
        #expect(whole["rows_matching"] as? Int == 3_000)
        let middle = try page(["--offset", "2040", "--limit", "20"])
        #expect(
            (middle["rows"] as? [[String: Any]])?.map { $0["line"] as? Int }
                == every[2040..<2060].map { $0["line"] as? Int })
        let ignored = try page(["--only", "ignored", "--offset", "100", "--limit", "500"])
        let ignoredRows = try #require(ignored["rows"] as? [[String: Any]])
        #expect(ignored["rows_matching"] as? Int == 429)
        #expect(ignoredRows.count == 329)
        #expect(ignoredRows.first?["line"] as? Int == 7 * 100 + 2)
        #expect(ignoredRows.allSatisfy { $0["outcome"] as? String == "ignored" })
        let past = try page(["--offset", "5000"])
        #expect((past["rows"] as? [Any])?.isEmpty == true)
    }

    @Test func submitAndValidateReadStandardInput() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state)
        let check = try BuiltProgram.userimportctl.run(
            ["validate", "-", "--name", "piped.csv", "--json", "--state-dir", state.root],
            standardInput: Data(seedSample.utf8))
        #expect(check.status == 0, "\(check.stderr)")
        let dry = try #require(try json(check.stdout) as? [String: Any])
        #expect((dry["counts"] as? [String: Int])?["created"] == 2)
        #expect(dry["file"] as? String == "piped.csv")
        let submitted = try BuiltProgram.userimportctl.run(
            ["submit", "-", "--name", "piped.csv", "--json", "--wait", "--state-dir", state.root],
            standardInput: Data(seedSample.utf8))
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let answer = try #require(try json(submitted.stdout) as? [[String: Any]])
        #expect(answer.first?["name"] as? String == "piped.csv")
        #expect(answer.first?["after_import"] as? Int == 0)
        let sha = try #require(answer.first?["sha256"] as? String)
        let found = try #require(
            try json(tool.ctl(["history", "--json", "--sha256", sha, "--after", "0"], state).stdout)
                as? [[String: Any]])
        #expect(found.first?["disposition"] as? String == "done")
        #expect(try tool.ctl(["submit", "-"], state).status == 2, "- needs --name")
        let slash = try BuiltProgram.userimportctl.run(
            ["submit", "-", "--name", "../x.csv", "--state-dir", state.root], standardInput: Data())
        #expect(slash.status == 1)
        #expect(try daemon.stop() == 0)
    }

    @Test func statusShowsTheFileInHandWithoutADatabaseWrite() throws {
        let state = try TestStateDirectory()
        let token = state.root + "/pause"
        #expect(FileManager.default.createFile(atPath: token, contents: nil))
        let daemon = try RunningDaemon(
            state: state, config: "[Mail]\nTransport=none\n",
            environment: ["USERIMPORTD_TEST_PAUSE_TOKEN": token])
        try state.drop("inflight.csv", seedSample)
        try waitFor("the import to pause", timeout: 10) { !state.exists("pause") }
        let paused = try #require(try json(tool.ctl(["status", "--json"], state).stdout) as? [String: Any])
        let importing = try #require(paused["importing"] as? [String: Any])
        #expect(importing["file"] as? String == "inflight.csv")
        #expect(importing["size"] as? Int == seedSample.utf8.count)
        #expect(importing["bytes_read"] as? Int == seedSample.utf8.count)
        #expect(importing["percent"] as? Int == 100)
        #expect(try tool.ctl(["status"], state).stdout.contains("Importing:   inflight.csv: 100%"))
        #expect(FileManager.default.createFile(atPath: token + ".resume", contents: nil))
        try waitFor("the import to finish", timeout: 10) { state.exists("done/inflight.csv.report.txt") }
        try waitFor("the progress file to go", timeout: 10) {
            !state.exists("userimportd.sqlite.progress")
        }
        let idle = try #require(try json(tool.ctl(["status", "--json"], state).stdout) as? [String: Any])
        #expect(idle["importing"] is NSNull)
        #expect(try daemon.stop() == 0)
    }
}
