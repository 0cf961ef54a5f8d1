/// The emails an import queues, in the same transaction as the change that causes them.
public enum NotificationKind: String, Sendable, Codable, CaseIterable {
    case invitation, activation
}

/// What one valid row does to the directory.
public struct RowDecision: Sendable, Equatable {
    public var outcome: RowOutcome
    public var reason: String
    /// The user as it must be stored afterwards; nil when nothing is written.
    public var write: StoredUser?
    public var notification: NotificationKind?
}

/// The one place where a row's outcome is decided (the README's "The input format"): `check`
/// before the directory is consulted (ignored, rejected, or a valid row), then `decide` against the
/// user as the directory holds it.
public enum RowRules {
    /// Before the directory is consulted: the record's shape, its values, the email and the status.
    /// Gives the row's outcome when it is ignored or rejected, else the valid row.
    public static func check(_ record: CSVRecord, against validator: RowValidator) -> ParsedRow {
        let header = validator.header
        let cells = record.fields
        func cell(_ field: UserField) -> String {
            guard let column = header.column(of: field), column < cells.count else { return "" }
            return cells[column]
        }
        // Quoted cells keep their spaces, but around an address or a status they mean nothing.
        let emailCell = RowValidator.trimmed(cell(.email))
        let statusCell = RowValidator.trimmed(cell(.userStatus))
        let status = UserStatus(cell: statusCell)
        func result(_ outcome: RowOutcome, _ reason: String, email: String = emailCell) -> ParsedRow {
            .invalid(
                RowResult(
                    line: record.line, email: email, status: status?.rawValue ?? statusCell, outcome: outcome,
                    reason: reason, cells: cells))
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
            if let problem = valueProblem(cell(field), field: field, limit: validator.maxValueLength) {
                return result(.rejected, problem)
            }
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
            RowValidator.isBlank(profile.firstName) || RowValidator.isBlank(profile.lastName)
        {
            let missing = [UserField.firstName, .lastName].filter { RowValidator.isBlank(cell($0)) }
            let names = missing.map(\.displayName).joined(separator: " and ")
            let verb = missing.count == 1 ? "is" : "are"
            return result(
                .rejected, "\(names) \(verb) empty; \(status.rawValue) rows need a name", email: email)
        }
        return .valid(
            UserRow(
                line: record.line, email: email, status: status, profile: profile,
                cells: status == .new ? nil : cells))
    }

    public static func decide(_ row: UserRow, current: StoredUser?) -> RowDecision {
        let live = current.flatMap { $0.state == .deleted ? nil : $0 }
        switch (row.status, live) {
        case (.new, nil):
            let user = StoredUser(email: row.email, profile: row.profile, state: .invited)
            return RowDecision(
                outcome: .created, reason: "invitation queued", write: user, notification: .invitation)
        case (.new, let existing?):
            var user = existing
            user.profile = existing.profile.overlaid(with: row.profile)
            return RowDecision(
                outcome: .updated, reason: "already exists; no invitation sent",
                write: user == existing ? nil : user, notification: nil)
        case (.update, let existing?):
            var user = existing
            user.profile = existing.profile.overlaid(with: row.profile)
            if user == existing {
                return RowDecision(
                    outcome: .unchanged, reason: "nothing differs", write: nil, notification: nil)
            }
            return RowDecision(outcome: .updated, reason: "profile updated", write: user, notification: nil)
        case (.delete, let existing?):
            var user = existing
            user.state = .deleted
            return RowDecision(outcome: .deleted, reason: "account deleted", write: user, notification: nil)
        case (.activate, let existing?) where existing.state == .invited:
            var user = existing
            user.state = .active
            return RowDecision(
                outcome: .activated, reason: "activation email queued", write: user, notification: .activation
            )
        case (.activate, _?):
            return RowDecision(outcome: .unchanged, reason: "already active", write: nil, notification: nil)
        case (.update, nil), (.delete, nil), (.activate, nil):
            return RowDecision(outcome: .rejected, reason: "no such user", write: nil, notification: nil)
        }
    }

    private static func valueProblem(_ value: String, field: UserField, limit maxValueLength: Int) -> String?
    {
        // Nearly every value is printable ASCII within the limit: one pass over its bytes says so.
        let printableASCII = value.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        }
        if printableASCII == true && value.utf8.count <= maxValueLength { return nil }
        var hasNonASCII = false
        for byte in value.utf8 {
            if byte < 0x20 || byte == 0x7F {
                return
                    "\(field.displayName) contains a control character (\(RowValidator.codePoint(UInt32(byte)))); remove it"
            }
            if byte >= 0x80 { hasNonASCII = true }
        }
        if hasNonASCII {
            for scalar in value.unicodeScalars where RowValidator.isForbidden(scalar) {
                return
                    "\(field.displayName) contains a control character (\(RowValidator.codePoint(scalar.value))); remove it"
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

}
