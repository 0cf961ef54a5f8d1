import Foundation
import Testing
import UserImportService

/// What a reload applies and what waits for a restart, key by key.
struct ConfigurationChangeTests {
    @Test func onlyThePathsWaitForARestartAndKeepTheirOldValues() throws {
        let old = Configuration()
        var new = old
        new.paths.inbox = "/srv/drop"
        new.mail.maxPerMinute = 5
        new.logLevel = "debug"
        new.options.massChange.maxDeleteRows = 10
        let change = ConfigurationChange(from: old, to: new)
        #expect(
            change.applied.map(\.name) == ["[Guard] MaxDeleteRows", "[Mail] MaxPerMinute", "[Log] Level"])
        #expect(change.needsRestart.map(\.name) == ["[Paths] Inbox"])
        #expect(change.needsRestart.first?.new == "/srv/drop")
        #expect(change.inForce.paths == old.paths)
        #expect(change.inForce.mail.maxPerMinute == 5)
        #expect(ConfigurationChange(from: old, to: old).isEmpty)
    }

    /// The shipped example lists every key (commented); the reload must know each, and only those.
    @Test func theReloadKnowsEveryKeyOfTheShippedExample() throws {
        let example = try String(
            contentsOfFile: #filePath.components(separatedBy: "/Tests/")[0] + "/etc/userimportd.conf",
            encoding: .utf8)
        var section = ""
        var keys: [String] = []
        for line in example.split(separator: "\n") {
            if line.hasPrefix("[") {
                section = String(line)
            } else if line.hasPrefix("#"), let equals = line.firstIndex(of: "="),
                !line.dropFirst().contains(" "), line.dropFirst().first?.isUppercase == true
            {
                keys.append("\(section) \(line[line.index(after: line.startIndex)..<equals])")
            }
        }
        // StateDirectory is every path at once; the reload compares the paths it sets.
        #expect(Set(keys).subtracting(["[Paths] StateDirectory"]) == Set(ConfigurationChange.keyNames))
    }

    /// Every key the reload compares is one the parser takes, and a value set there shows as a change.
    @Test func everyKeyTheReloadComparesIsReadFromTheFile() throws {
        let values = [
            "[Paths] Inbox": "/x/in", "[Paths] Done": "/x/done", "[Paths] Failed": "/x/failed",
            "[Paths] Held": "/x/held", "[Paths] Work": "/x/work", "[Paths] Database": "/x/db",
            "[Import] SettleTime": "7s", "[Import] RescanInterval": "7min", "[Import] MaxFileSize": "7M",
            "[Import] MaxRows": "7", "[Import] MaxRecordBytes": "7K", "[Import] Strict": "yes",
            "[Import] DuplicatePolicy": "failed", "[Import] FallbackEncoding": "windows-1252",
            "[Guard] MaxDeletePercent": "7", "[Guard] MinUsersForPercent": "7", "[Guard] MaxDeleteRows": "7",
            "[Mail] Transport": "sendmail", "[Mail] From": "x@example.com", "[Mail] Sendmail": "/x/sendmail",
            "[Mail] Maildir": "/x/mail", "[Mail] Templates": "/x/templates", "[Mail] MaxPerMinute": "7",
            "[Mail] MaxAttempts": "7", "[Mail] RetryInterval": "7s", "[Log] Level": "debug",
            "[History] KeepRowResults": "7d", "[Database] Backend": "postgresql",
            "[Database] URL": "host=/x dbname=x", "[Database] TakeoverAfter": "7s",
        ]
        #expect(Set(values.keys) == Set(ConfigurationChange.keyNames))
        for name in ConfigurationChange.keyNames {
            let parts = name.dropFirst().split(separator: "] ")
            let file = FileManager.default.temporaryDirectory.path + "/change-\(UUID().uuidString).conf"
            defer { try? FileManager.default.removeItem(atPath: file) }
            try "[\(parts[0])]\n\(parts[1])=\(values[name] ?? "")\n".write(
                toFile: file, atomically: true, encoding: .utf8)
            let read = try ConfigLoader.load(path: file, stateDirectory: nil)
            let change = ConfigurationChange(from: Configuration(), to: read)
            #expect((change.applied + change.needsRestart).map(\.name) == [name])
        }
    }
}
