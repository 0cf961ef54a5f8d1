import Testing
import UserImportCore

/// One hostile drop: the bytes and name of a file, the options it meets, and what the README's "The input format", "What happens to a file"
/// says must become of it — written out as the report's own words, never read back from the product.
struct HostileCase: Sendable, CustomTestStringConvertible {
    enum Fate: Sendable {
        case done
        case failed
        /// A duplicate of the import with this id (the setup drops are imports 1, 2, …).
        case duplicate(of: Int64)
        /// An in-progress upload name: not touched, no report, no history.
        case leftInInbox
    }

    enum Content: Sendable {
        case bytes([UInt8])
        /// Generated straight to disk: the file may be far larger than the test should hold.
        case stream(@Sendable (inout ChunkWriter) throws -> Void)
    }

    /// A file imported before the case's own drop, to give the directory and the history a state.
    struct Setup: Sendable {
        var name: FileName
        var bytes: [UInt8]
    }

    var label: String
    var fileName = FileName("hostile.csv")
    var content: Content
    var options = ImportOptions()
    var maxFileSize = 1 << 30
    var setup: [Setup] = []
    var fate: Fate
    /// The report's `Error` section, exactly; nil when the report must have none.
    var error: String?
    var encoding = "UTF-8"
    var delimiter = "comma"
    /// The Rows section, exactly and in order (empty: the report must have no Rows section).
    /// The counts line is tallied from these outcomes.
    var rows: [String] = []
    /// Further lines that must appear whole in the report (headers, warnings, File:, Size:, …).
    var lines: [String] = []
    /// Lines that must not appear whole in the report.
    var absentLines: [String] = []
    /// Checks of the directory afterwards (stored profiles, states, queued emails).
    var check: (@Sendable (TestStateDirectory) throws -> Void)?
    /// For a drop meant to be refused early: how much more resident memory the import may peak at.
    var maxPeakGrowth: Int?

    var testDescription: String { label }

    var size: Int? {
        if case .bytes(let bytes) = content { return bytes.count }
        return nil
    }
}

/// Report wording, spelled out here so the corpus checks the product against the documented text rather than
/// against itself.
enum Report {
    static func field(_ name: String, _ value: String) -> String {
        name.padding(toLength: 13, withPad: " ", startingAt: 0) + value
    }

    static func row(_ line: Int, _ email: String, _ status: String, _ outcome: String, _ reason: String)
        -> String
    {
        "\(line)\t\(email)\t\(status)\t\(outcome)\t\(reason)"
    }

    static func created(_ line: Int, _ email: String, _ status: String = "New") -> String {
        row(line, email, status, "created", "invitation queued")
    }

    static func ignored(_ line: Int, _ email: String, _ status: String = "New") -> String {
        row(line, email, status, "ignored", "invalid email")
    }

    static func control(_ field: String, _ codePoint: String) -> String {
        "\(field) contains a control character (U+\(codePoint)); remove it"
    }

    static func fieldCount(_ count: Int, header: Int) -> String {
        "the row has \(count) field\(count == 1 ? "" : "s") but the header has \(header); "
            + "check for a missing or extra delimiter or an unquoted value containing one"
    }

    static let outcomes = ["created", "updated", "unchanged", "deleted", "activated", "ignored", "rejected"]

    static func counts(of rows: [String]) -> String {
        let outcomes = rows.map { $0.split(separator: "\t", omittingEmptySubsequences: false)[3] }
        return "  "
            + Self.outcomes.map { name in "\(name) \(outcomes.filter { $0 == name }.count)" }
            .joined(separator: ", ")
    }

    /// A header reading: the column label is padded to 13 characters, with at least one space.
    static func header(_ column: Int, _ text: String, _ field: String?) -> String {
        let label = "  column \(column)"
        return label + String(repeating: " ", count: max(1, 13 - label.count)) + "\"\(text)\" "
            + (field.map { "read as \($0)" } ?? "ignored")
    }

    // File-level errors (the README's "What happens to a file"), in the report's words.
    static let noRows = "the file has a header but no data rows; nothing to do"
    static let empty =
        "the file is empty; it needs a header row (Email ID, First Name, Last Name, User Status)"
    static let onlyBlank =
        "the file has only blank lines; it needs a header row (Email ID, First Name, Last Name, User Status)"

    static func notText(looksLike: String) -> String {
        "not a text file: it looks like \(looksLike); save it as CSV UTF-8 and drop it again"
    }

    static func nul(at offset: Int) -> String {
        "not a text file: it contains a NUL byte at offset \(offset); save it as CSV UTF-8 and drop it again"
    }

    static func invalidUTF8(at offset: Int) -> String {
        "not valid UTF-8 at byte offset \(offset); save the file as CSV UTF-8 (or set FallbackEncoding)"
    }

    static func invalidUTF16(at offset: Int) -> String {
        "not valid UTF-16 at byte offset \(offset); save the file as CSV UTF-8"
    }

    static func undefined(at offset: Int, in encoding: String) -> String {
        "byte at offset \(offset) has no meaning in \(encoding); save the file as CSV UTF-8"
    }

    static func unterminated(line: Int) -> String {
        "a quoted field opened on line \(line) is never closed; close the quote or remove it"
    }

    static func recordTooLong(line: Int, limit: Int) -> String {
        "the record starting on line \(line) is longer than \(limit) bytes (MaxRecordBytes); "
            + "check for a quote that is never closed"
    }

    static func missing(_ names: String, line: Int) -> String {
        "the header row (line \(line)) has no column for \(names); "
            + "required columns are Email ID, First Name, Last Name, User Status"
    }

    static func duplicateColumn(_ first: Int, _ second: Int, _ field: String) -> String {
        "columns \(first) and \(second) both read as \(field); keep only one of them"
    }

    static func tooManyRows(_ limit: Int) -> String {
        "the file has more than \(limit) data rows (MaxRows); split it or raise the limit"
    }

    static func tooLarge(_ size: Int, _ limit: Int) -> String {
        "the file is \(size) bytes, over the limit of \(limit) bytes (MaxFileSize); split it or raise the limit"
    }

    static func wrongExtension(_ shownName: String) -> String {
        "\(shownName) is not a .csv or .txt file; only files ending in .csv or .txt are imported"
    }

    static func strict(_ count: Int) -> String {
        "strict mode: \(count) row(s) rejected, so nothing in the file was applied; fix the rows and drop it again"
    }
}

/// Byte builders for the corpus.
enum Bytes {
    static let header = "Email ID,First Name,Last Name,User Status"

    /// Lines joined by LF, with a final LF.
    static func lines(_ lines: String...) -> [UInt8] {
        Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    static func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func utf16LE(_ text: String) -> [UInt8] {
        text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    static func utf16BE(_ text: String) -> [UInt8] {
        text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
}
