import Foundation
import Testing

/// The built binaries, as an administrator runs them.
struct OnceCommandTests {
    func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test func onceImportsTheSeedSampleAndTheToolsShowIt() throws {
        let state = try TestStateDirectory()
        try state.drop("sample.csv", seedSample)
        let daemon = try BuiltProgram.userimportd.run(["--state-dir", state.root, "--once"])
        #expect(daemon.status == 0, "\(daemon.stderr)")
        #expect(try state.list("done") == ["sample.csv", "sample.csv.report.txt"])
        #expect(!daemon.stderr.contains("john.doe"), "no email addresses in info logs")

        try state.drop("again.csv", seedSample)
        #expect(try BuiltProgram.userimportd.run(["--state-dir", state.root, "--once"]).status == 0)

        let history = try BuiltProgram.userimportctl.run(["history", "--json", "--state-dir", state.root])
        #expect(history.status == 0, "\(history.stderr)")
        let entries = try #require(try json(history.stdout) as? [[String: Any]])
        #expect(entries.map { $0["file"] as? String } == ["again.csv", "sample.csv"])
        #expect(entries.map { $0["disposition"] as? String } == ["duplicate", "done"])
        #expect(entries.map { $0["path"] as? String } == ["done/again.csv", "done/sample.csv"])
        let counts = try #require(entries.last?["counts"] as? [String: Int])
        #expect(counts["created"] == 2 && counts["rejected"] == 0 && counts.count == 7)
        #expect(entries.last?["error"] is NSNull)
        #expect((entries.last?["sha256"] as? String)?.count == 64)

        let report = try BuiltProgram.userimportctl.run(["report", "1", "--json", "--state-dir", state.root])
        let object = try #require(try json(report.stdout) as? [String: Any])
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.map { $0["email"] as? String } == ["john.doe@example.com", "jane.doe@example.com"])
        #expect(rows.map { $0["outcome"] as? String } == ["created", "created"])
        #expect(rows.map { $0["line"] as? Int } == [2, 3])
    }

    @Test func validateChangesNothingAndSaysWhatWouldHappen() throws {
        let state = try TestStateDirectory()
        let file = state.root + "/new-hires.csv"
        try seedSample.write(toFile: file, atomically: false, encoding: .utf8)

        let fresh = try BuiltProgram.userimportctl.run(["validate", file, "--state-dir", state.root])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.contains("2\tjohn.doe@example.com\tNew\tcreated"))
        #expect(!state.exists("userimportd.sqlite"), "a dry run creates nothing")

        try state.drop("sample.csv", seedSample)
        #expect(try BuiltProgram.userimportd.run(["--state-dir", state.root, "--once"]).status == 0)
        let again = try BuiltProgram.userimportctl.run(["validate", file, "--state-dir", state.root])
        #expect(again.status == 0)
        #expect(again.stdout.contains("duplicate of import 1"))

        let changed = state.root + "/changed.csv"
        try (seedSample + "zoe@example.com, Zoë, Ng, , , , , Update\n").write(
            toFile: changed, atomically: false, encoding: .utf8)
        let dry = try BuiltProgram.userimportctl.run(["validate", changed, "--state-dir", state.root])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("already exists; no invitation sent"))
        #expect(dry.stdout.contains("zoe@example.com\tUpdate\trejected\tno such user"))
        #expect(try state.count("SELECT count(*) FROM imports") == 1, "validate wrote nothing")
    }

    @Test func validateExitsOneOnAFileLevelError() throws {
        let state = try TestStateDirectory()
        let file = state.root + "/bad.csv"
        try "Email, Name\na@example.com, A\n".write(toFile: file, atomically: false, encoding: .utf8)
        let result = try BuiltProgram.userimportctl.run(["validate", file, "--state-dir", state.root])
        #expect(result.status == 1)
        #expect(result.stdout.contains("has no column for First Name, Last Name, User Status"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try BuiltProgram.userimportctl.run(["no-such-command"]).status == 2)
        #expect(try BuiltProgram.userimportctl.run(["report"]).status == 2)
        #expect(try BuiltProgram.userimportctl.run(["report", "not-a-number"]).status == 2)
        let help = try BuiltProgram.userimportctl.run(["validate", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Example"))
    }

    @Test func reportOfAnUnknownImportExitsOne() throws {
        let state = try TestStateDirectory()
        _ = try state.pipeline()
        let result = try BuiltProgram.userimportctl.run(["report", "42", "--state-dir", state.root])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no import with ID 42"))
    }
}

/// A large file's rows past the threshold are sorted by email in unnamed files in work/ and
/// applied in one pass (the threshold lowered from a million for the test): the daemon's report,
/// users and queued emails are those of the same file read in file order, and work/ is empty.
struct SortedImportEndToEndTests {
    static func file() -> String {
        var text = "Email ID,First Name,Last Name,Title,User Status\n"
        let statuses = ["New", "Update", "Activate", "New", "Delete", "Retire"]
        for line in 0..<3_000 {
            // Few emails, many rows each, in no order: every status meets every state.
            let email = line % 97 == 0 ? "not-an-email" : "user\((line * 7_919) % 600)@example.com"
            text +=
                "\(email),Ann \(line % 11),Lee,Title \(line % 5),\(statuses[(line / 600 + line / 7) % statuses.count])\n"
        }
        return text
    }

    func outputs(sortedBeyond: String?) throws -> [String] {
        let state = try TestStateDirectory()
        try state.drop("large.csv", Self.file())
        let environment = sortedBeyond.map { ["USERIMPORTD_TEST_SORTED_BEYOND": $0] } ?? [:]
        let daemon = try BuiltProgram.userimportd.run(
            ["--state-dir", state.root, "--once"], environment: environment)
        #expect(daemon.status == 0, "\(daemon.stderr)")
        #expect(try state.list("work").isEmpty, "no scratch file left")
        var outputs: [String] = []
        for arguments in [["report", "1"], ["export"], ["outbox", "--limit", "5000"]] {
            let run = try BuiltProgram.userimportctl.run(arguments + ["--state-dir", state.root])
            #expect(run.status == 0, "\(run.stderr)")
            // Times aside: the two runs are a second apart.
            let timeless = run.stdout.replacing(
                /\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+Z?)?/, with: "TIME")
            outputs.append(timeless)
        }
        return outputs
    }

    @Test func aSortedImportGivesWhatFileOrderGives() throws {
        let sorted = try outputs(sortedBeyond: "500")
        let inOrder = try outputs(sortedBeyond: nil)
        #expect(sorted == inOrder)
        #expect(!sorted[0].contains("scratch"), "sorted, not read again in file order")
        #expect(
            sorted[0].contains("created") && sorted[0].contains("deleted") && sorted[0].contains("rejected"))
        #expect(sorted[2].contains("invitation") && sorted[2].contains("activation"))
    }
}
