import Foundation
import Testing
import UserImportCore

struct ReportJSONTests {
    static func object(_ json: String) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return try #require(value as? [String: Any], "not an object: \(json)")
    }

    static func report(_ record: ImportRecord, rows: [RowResult] = ReportSamples.rows) throws -> [String: Any]
    {
        var text = ""
        ReportJSON.report(record, rows: rows, to: &text)
        return try object(text)
    }

    static let importKeys: Set<String> = [
        "id", "file", "path", "sha256", "disposition", "error", "counts", "received_at", "started_at",
        "finished_at",
    ]

    @Test func reportHasTheSpecKeysAndValues() throws {
        let report = try Self.report(ReportSamples.record())
        #expect(Self.importKeys.union(["rows"]).isSubset(of: Set(report.keys)))
        #expect(report["id"] as? Int == 12)
        #expect(report["file"] as? String == "users\tQ1.csv")
        #expect(report["path"] as? String == "done/users.csv")
        #expect(report["rows_to_fix"] as? String == "done/users.csv.rejected.csv")
        #expect(
            report["sha256"] as? String == "781234f5d5ce529128854ad99d0f2db75d78d77f942fb0dd22d8403c86d9ab5e")
        #expect(report["disposition"] as? String == "done")
        #expect(report["error"] is NSNull)
        #expect(report["received_at"] as? String == "2026-01-01T00:00:00.000Z")
        #expect(report["started_at"] as? String == "2026-01-01T00:00:00.250Z")
        #expect(report["finished_at"] as? String == "2026-01-01T00:00:01.500Z")
        #expect(report["encoding"] as? String == "UTF-8 with BOM")
        #expect(report["delimiter"] as? String == "semicolon")
    }

    @Test func countsHaveEveryOutcome() throws {
        let counts = try #require(try Self.report(ReportSamples.record())["counts"] as? [String: Int])
        #expect(
            counts == [
                "created": 2, "updated": 0, "unchanged": 0, "deleted": 0, "activated": 0, "ignored": 4,
                "rejected": 1,
            ])
    }

    @Test func rowsCarryLineEmailStatusOutcomeReason() throws {
        let rows = try #require(try Self.report(ReportSamples.record())["rows"] as? [[String: Any]])
        #expect(rows.count == ReportSamples.rows.count)
        for (json, row) in zip(rows, ReportSamples.rows) {
            #expect(Set(json.keys) == ["line", "email", "status", "outcome", "reason"])
            #expect(json["line"] as? Int == row.line)
            #expect(json["email"] as? String == row.email)
            #expect(json["status"] as? String == row.status)
            #expect(json["outcome"] as? String == row.outcome.rawValue)
            #expect(json["reason"] as? String == row.reason)
        }
    }

    @Test func emptyRowsIsAnEmptyArray() throws {
        let report = try Self.report(ReportSamples.record(), rows: [])
        #expect((report["rows"] as? [Any])?.isEmpty == true)
    }

    @Test func failedImportHasItsErrorAndNullPath() throws {
        let report = try Self.report(
            ReportSamples.record(disposition: .failed, error: "not valid UTF-8 at byte offset 3", path: nil))
        #expect(report["disposition"] as? String == "failed")
        #expect(report["error"] as? String == "not valid UTF-8 at byte offset 3")
        #expect(report["path"] is NSNull)
        #expect(report["rows_to_fix"] is NSNull)
    }

    @Test func duplicateNamesTheEarlierImport() throws {
        let report = try Self.report(ReportSamples.record(disposition: .duplicate, duplicateOf: 3))
        #expect(report["disposition"] as? String == "duplicate")
        #expect(report["duplicate_of"] as? Int == 3)
    }

    @Test func historyEntryIsTheImportObjectWithoutRows() throws {
        let entry = try Self.object(ReportJSON.historyEntry(ReportSamples.record()))
        #expect(Self.importKeys.isSubset(of: Set(entry.keys)))
        #expect(entry["rows"] == nil)
        #expect(entry["id"] as? Int == 12)
    }

    @Test func keysAreSnakeCase() throws {
        let report = try Self.report(ReportSamples.record())
        let headers = try #require(report["headers"] as? [[String: Any]])
        let keys = Set(report.keys).union(headers.flatMap(\.keys))
        for key in keys {
            #expect(key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(key)")
        }
    }

    @Test func headersAndWarningsAreListed() throws {
        let report = try Self.report(ReportSamples.record())
        let headers = try #require(report["headers"] as? [[String: Any]])
        #expect(headers.map { $0["header"] as? String } == ["E-mail", "=Shoe \"Size\""])
        #expect(headers.map { $0["field"] as? String } == ["Email ID", nil])
        #expect(headers.last?["field"] is NSNull)
        #expect(report["warnings"] as? [String] == ReportSamples.record().summary.warnings)
    }

    @Test func quotedEscapesQuotesBackslashesAndControls() {
        #expect(JSON.quoted("a\"b\\c") == #""a\"b\\c""#)
        #expect(JSON.quoted("\n\r\t") == #""\n\r\t""#)
        #expect(JSON.quoted("\u{0}\u{1}\u{1F}") == #""\u0000\u0001\u001f""#)
        #expect(JSON.quoted("Zoë 😀") == "\"Zoë 😀\"")
    }

    @Test(arguments: [
        "", "plain", "quote \" and backslash \\", "\\\"", "tab\tnewline\ncr\r",
        "\u{0}\u{7}\u{1B}\u{1F}\u{7F}",
        "\u{2028}\u{2029}\u{202E}", "emoji 😀 and Łukasz", "</script>",
    ])
    func quotedRoundTripsThroughAJSONParser(value: String) throws {
        let parsed = try JSONSerialization.jsonObject(
            with: Data(JSON.quoted(value).utf8), options: .fragmentsAllowed)
        #expect(parsed as? String == value)
    }
}
