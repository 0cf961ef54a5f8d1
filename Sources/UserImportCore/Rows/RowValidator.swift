/// A row that passed validation: what it asks, for whom, with which values.
public struct UserRow: Sendable, Equatable {
    public var line: Int
    public var email: String
    public var status: UserStatus
    public var profile: UserProfile
}

/// The result of reading one data record against the header.
public enum ParsedRow: Sendable, Equatable {
    case valid(UserRow)
    /// Ignored or rejected before the directory is consulted.
    case invalid(RowResult)
}

/// Row-level checks of the README's "The input format": shape, values, email, status. No directory state here.
public struct RowValidator: Sendable {
    public let header: HeaderMap
    public let maxValueLength: Int

    public init(header: HeaderMap, maxValueLength: Int = 256) {
        self.header = header
        self.maxValueLength = maxValueLength
    }

    public func parse(_ record: CSVRecord) -> ParsedRow {
        let cells = record.fields
        func cell(_ field: UserField) -> String {
            guard let column = header.column(of: field), column < cells.count else { return "" }
            return cells[column]
        }
        // Quoted cells keep their spaces, but around an address or a status they mean nothing.
        let emailCell = Self.trimmed(cell(.email))
        let statusCell = Self.trimmed(cell(.userStatus))
        let status = UserStatus(cell: statusCell)
        func result(_ outcome: RowOutcome, _ reason: String, email: String = emailCell) -> ParsedRow {
            .invalid(
                RowResult(
                    line: record.line, email: email, status: status?.rawValue ?? statusCell, outcome: outcome,
                    reason: reason))
        }

        if cells.count != header.columnCount {
            return result(
                .rejected,
                "the row has \(cells.count) field\(cells.count == 1 ? "" : "s") but the header has "
                    + "\(header.columnCount); "
                    + "check for a missing or extra delimiter or an unquoted value containing one")
        }
        if let column = record.misplacedQuoteColumn {
            return result(
                .rejected,
                "a quote in the middle of column \(column); enclose the whole value in quotes "
                    + "and double any quote inside it")
        }
        for field in UserField.allCases {
            if let problem = valueProblem(cell(field), field: field) { return result(.rejected, problem) }
        }
        if emailCell.isEmpty { return result(.rejected, "Email ID is empty") }
        guard let email = EmailAddress.key(for: emailCell) else { return result(.ignored, "invalid email") }
        guard let status else {
            if statusCell.isEmpty {
                return result(
                    .rejected, "User Status is empty; use New, Update, Delete or Activate", email: email)
            }
            return result(
                .rejected, "unknown User Status \"\(statusCell)\"; use New, Update, Delete or Activate",
                email: email)
        }
        let profile = UserProfile(
            firstName: cell(.firstName), lastName: cell(.lastName), alternateID: cell(.alternateID),
            workPhone: cell(.workPhone), title: cell(.title), department: cell(.department))
        // Delete and Activate identify the user by email alone; only rows that write a profile need names.
        if status == .new || status == .update,
            Self.isBlank(profile.firstName) || Self.isBlank(profile.lastName)
        {
            let missing = [UserField.firstName, .lastName].filter { Self.isBlank(cell($0)) }
            let names = missing.map(\.displayName).joined(separator: " and ")
            let verb = missing.count == 1 ? "is" : "are"
            return result(
                .rejected, "\(names) \(verb) empty; \(status.rawValue) rows need a name", email: email)
        }
        return .valid(UserRow(line: record.line, email: email, status: status, profile: profile))
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

    private static func isBlank(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    private func valueProblem(_ value: String, field: UserField) -> String? {
        var hasNonASCII = false
        for byte in value.utf8 {
            if byte < 0x20 || byte == 0x7F {
                return
                    "\(field.displayName) contains a control character (\(Self.codePoint(UInt32(byte)))); remove it"
            }
            if byte >= 0x80 { hasNonASCII = true }
        }
        if hasNonASCII {
            for scalar in value.unicodeScalars where Self.isForbidden(scalar) {
                return
                    "\(field.displayName) contains a control character (\(Self.codePoint(scalar.value))); remove it"
            }
        }
        if value.utf8.count > maxValueLength {
            let length = value.unicodeScalars.count
            if length > maxValueLength {
                return "\(field.displayName) is \(length) characters long; the limit is \(maxValueLength)"
            }
        }
        return nil
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
