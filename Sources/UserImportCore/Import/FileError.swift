/// Everything that makes a whole file fail: nothing of it is applied and it goes to `failed/`.
///
/// A bad *row* is never one of these; it is a `RowResult` in the report.
public enum FileError: Error, Equatable, Sendable {
    case wrongExtension(name: String)
    case notRegularFile(kind: String)
    case multipleLinks(count: Int)
    case unreadable(reason: String)
    case tooLarge(size: Int, limit: Int)
    case empty
    case noHeader
    case notText(offset: Int, looksLike: String?)
    case invalidUTF8(offset: Int)
    case invalidUTF16(offset: Int)
    case undefinedByte(offset: Int, encoding: InputEncoding)
    case unterminatedQuote(line: Int)
    case recordTooLong(line: Int, limit: Int)
    case missingColumns([UserField], headerLine: Int, nearMisses: [HeaderNearMiss] = [])
    case duplicateColumn(UserField, firstColumn: Int, secondColumn: Int)
    case tooManyColumns(count: Int, limit: Int)
    case tooManyRows(limit: Int)
    case strictModeRejected(count: Int)

    /// One sentence for the report and the history: what is wrong, where, and what to do.
    public var message: String {
        switch self {
        case .wrongExtension(let name):
            return "\(name) is not a .csv or .txt file; only files ending in .csv or .txt are imported"
        case .notRegularFile(let kind):
            return
                "this is a \(kind), not a regular file; only regular files are imported and it was not opened"
        case .multipleLinks(let count):
            return "the file has \(count) hard links; drop a copy or rename the file into the inbox instead"
        case .unreadable(let reason):
            return
                "the file cannot be read (\(reason)); make it readable by the userimport group "
                + "(for example chmod g+r) and drop it again"
        case .tooLarge(let size, let limit):
            return
                "the file is \(size) bytes, over the limit of \(limit) bytes (MaxFileSize); split it or raise the limit"
        case .empty:
            return "the file is empty; it needs a header row (Email ID, First Name, Last Name, User Status)"
        case .noHeader:
            return
                "the file has only blank lines; it needs a header row (Email ID, First Name, Last Name, User Status)"
        case .notText(let offset, let looksLike):
            let what = looksLike.map { "it looks like \($0)" } ?? "it contains a NUL byte at offset \(offset)"
            return "not a text file: \(what); save it as CSV UTF-8 and drop it again"
        case .invalidUTF8(let offset):
            return
                "not valid UTF-8 at byte offset \(offset); save the file as CSV UTF-8 (or set FallbackEncoding)"
        case .invalidUTF16(let offset):
            return "not valid UTF-16 at byte offset \(offset); save the file as CSV UTF-8"
        case .undefinedByte(let offset, let encoding):
            return
                "byte at offset \(offset) has no meaning in \(encoding.rawValue); save the file as CSV UTF-8"
        case .unterminatedQuote(let line):
            return "a quoted field opened on line \(line) is never closed; close the quote or remove it"
        case .recordTooLong(let line, let limit):
            return
                "the record starting on line \(line) is longer than \(limit) bytes (MaxRecordBytes); "
                + "check for a quote that is never closed"
        case .missingColumns(let fields, let headerLine, let nearMisses):
            let names = fields.map(\.displayName).joined(separator: ", ")
            let hints = nearMisses.map { miss in
                "; column \(miss.column) \"\(miss.header)\" looks like \(miss.field.displayName): check its spelling"
            }
            return
                "the header row (line \(headerLine)) has no column for \(names)\(hints.joined()); "
                + "required columns are Email ID, First Name, Last Name, User Status"
        case .duplicateColumn(let field, let first, let second):
            return "columns \(first) and \(second) both read as \(field.displayName); keep only one of them"
        case .tooManyColumns(let count, let limit):
            return
                "the header row has \(count) columns, more than the \(limit) a header may have; "
                + "check the delimiter and remove empty columns"
        case .tooManyRows(let limit):
            return "the file has more than \(limit) data rows (MaxRows); split it or raise the limit"
        case .strictModeRejected(let count):
            return
                "strict mode: \(count) row(s) rejected, so nothing in the file was applied; fix the rows and drop it again"
        }
    }
}

/// An unknown header that is one typo away from a required field the header lacks.
public struct HeaderNearMiss: Equatable, Sendable {
    public var column: Int
    public var header: String
    public var field: UserField

    public init(column: Int, header: String, field: UserField) {
        self.column = column
        self.header = header
        self.field = field
    }
}
