/// A row that passed validation: what it asks, for whom, with which values.
public struct UserRow: Sendable, Equatable {
    public var line: Int
    public var email: String
    public var status: UserStatus
    public var profile: UserProfile
    /// The record's cells, for a row `RowRules.decide` may reject (Update, Delete, Activate of a
    /// user that does not exist); nil for New rows, which it never rejects, so a bulk New file
    /// holds no second copy of its cells.
    public var cells: [String]? = nil
}

/// The result of reading one data record against the header.
public enum ParsedRow: Sendable, Equatable {
    case valid(UserRow)
    /// Ignored or rejected before the directory is consulted.
    case invalid(RowResult)
}

/// What a data record is checked against: the header and the value limit. The checks themselves,
/// and the outcomes they give, are `RowRules.check`.
public struct RowValidator: Sendable {
    public let header: HeaderMap
    public let maxValueLength: Int

    public init(header: HeaderMap, maxValueLength: Int = 256) {
        self.header = header
        self.maxValueLength = maxValueLength
    }

    /// The row's outcome when it is ignored or rejected before the directory is consulted, or the
    /// valid row; decided by `RowRules.check`.
    public func parse(_ record: CSVRecord) -> ParsedRow {
        RowRules.check(record, against: self)
    }

    static func trimmed(_ value: String) -> String {
        // Most cells have nothing to trim: keep them as they are, without a copy.
        if let first = value.utf8.first, let last = value.utf8.last, first != 0x20, first != 0x09,
            last != 0x20, last != 0x09
        {
            return value
        }
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = value.firstIndex(where: { !blank($0) }),
            let last = value.lastIndex(where: { !blank($0) })
        else { return "" }
        return String(value[first...last])
    }

    static func isBlank(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    /// C1 controls and the invisible direction/line controls that can disguise a name in a report.
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x80...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029, 0xFEFF:
            return true
        default: return false
        }
    }

    static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
