import Foundation
import Testing
import UserImportCore
import UserImportService

/// Runs every case in Tests/Fixtures through the real pipeline (real folders, real SQLite) and
/// compares the report it writes with the case's `expected.report.txt`.
///
/// A case folder holds:
/// - `input.<ext>` — the dropped file, as text; or `input.<ext>.hex` — its bytes as hex (for
///   bytes that are not text: invalid UTF-8, NUL, binary formats);
/// - `encoding` (optional) — `utf8bom`, `utf16le`, `utf16be` or `windows1252`: the text input is
///   encoded so before it is dropped (with a byte-order mark for the first three);
/// - `setup.csv` (optional) — imported first, to give the directory a state;
/// - `options` (optional) — `strict=true`, `fallback=windows-1252`, `maxRows=N`, `maxRecordBytes=N`;
/// - `expected.report.txt` — the report, with the owner UID shown as `<uid>`;
/// - `expected.rejected.csv` — the file of the rows not applied, for a case that has any.
/// Set UPDATE_GOLDEN=1 to rewrite the expected reports after a deliberate change (then read the diff).
struct GoldenFixtureTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []).sorted()
    }

    @Test func thereAreFixtures() {
        #expect(Self.cases.count >= 40, "fixtures found: \(Self.cases.count)")
    }

    @Test(arguments: cases)
    func reportMatches(_ name: String) throws {
        let folder = Self.fixtures.appendingPathComponent(name)
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline(options: try Self.options(folder))
        if let setup = try? Data(contentsOf: folder.appendingPathComponent("setup.csv")) {
            try state.drop("setup.csv", Array(setup))
            let records = try pipeline.processInbox()
            #expect(records.map(\.disposition) == [.done], "setup.csv must import")
        }
        let (inputName, bytes) = try Self.input(folder)
        try state.drop(inputName, bytes)
        let records = try pipeline.processInbox()
        try #require(records.count == 1)
        let path = try #require(records[0].path)
        let report = try state.read(path + ".report.txt").replacingOccurrences(
            of: #"(?m)^Owner UID:( +)\d+$"#, with: "Owner UID:$1<uid>", options: .regularExpression)
        #expect(state.exists(path), "the file is published beside its report")
        #expect(try state.list("work").isEmpty)
        let expectedURL = folder.appendingPathComponent("expected.report.txt")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try report.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(report == expected, "fixture \(name): report differs from expected.report.txt")
        try expectRejectedRows(of: records[0], at: path, in: state, folder: folder)
    }

    /// Written exactly when the import has rows it did not apply, with the content the case expects.
    func expectRejectedRows(
        of record: ImportRecord, at path: String, in state: TestStateDirectory, folder: URL
    )
        throws
    {
        let rejectedPath = path + ".rejected.csv"
        let expectedURL = folder.appendingPathComponent("expected.rejected.csv")
        #expect(state.exists(rejectedPath) == RejectedRowsText.isWritten(for: record))
        guard state.exists(rejectedPath) else {
            #expect(!FileManager.default.fileExists(atPath: expectedURL.path), "no rows file was written")
            return
        }
        let rejected = try Data(contentsOf: URL(fileURLWithPath: state.root + "/" + rejectedPath))
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try rejected.write(to: expectedURL)
        }
        let expected = try Data(contentsOf: expectedURL)
        #expect(
            rejected == expected,
            "fixture \(folder.lastPathComponent): rows file differs from expected.rejected.csv")
    }

    static func options(_ folder: URL) throws -> ImportOptions {
        var options = ImportOptions()
        guard let text = try? String(contentsOf: folder.appendingPathComponent("options"), encoding: .utf8)
        else {
            return options
        }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard parts.count == 2 else { throw TestFailure("bad options line: \(line)") }
            switch parts[0] {
            case "strict": options.strict = parts[1] == "true"
            case "fallback": options.fallbackEncoding = InputEncoding.fallback(named: parts[1])
            case "maxRows": options.maxRows = Int(parts[1]) ?? options.maxRows
            case "maxRecordBytes": options.maxRecordBytes = Int(parts[1]) ?? options.maxRecordBytes
            default: throw TestFailure("unknown option \(parts[0])")
            }
        }
        return options
    }

    static func input(_ folder: URL) throws -> (String, [UInt8]) {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasPrefix("input.")
        }
        guard names.count == 1, let name = names.first else {
            throw TestFailure("\(folder.path): one input.* file")
        }
        let data = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
        if name.hasSuffix(".hex") {
            return (String(name.dropLast(4)), try hexBytes(String(decoding: data, as: UTF8.self)))
        }
        let encoding = (try? String(contentsOf: folder.appendingPathComponent("encoding"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let text = String(decoding: data, as: UTF8.self)
        switch encoding {
        case nil: return (name, data)
        case "utf8bom": return (name, [0xEF, 0xBB, 0xBF] + data)
        case "utf16le":
            return (name, [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        case "utf16be":
            return (name, [0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
        case "windows1252":
            guard let encoded = text.data(using: .windowsCP1252) else {
                throw TestFailure("not windows-1252")
            }
            return (name, Array(encoded))
        default: throw TestFailure("unknown encoding \(encoding ?? "")")
        }
    }

    /// Hex pairs; whitespace and `#` comments to the end of a line are ignored.
    static func hexBytes(_ text: String) throws -> [UInt8] {
        var digits: [Character] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let content =
                line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            digits += content.filter { !$0.isWhitespace }
        }
        guard digits.count % 2 == 0 else { throw TestFailure("odd number of hex digits") }
        return try stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else {
                throw TestFailure("bad hex \(digits[index])\(digits[index + 1])")
            }
            return byte
        }
    }
}
