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
