/// Users written back in the import format, so that importing the export into an empty directory
/// gives the same users: invited users as a New row, active users as New then Activate, deleted
/// users (only when asked for) as New then Delete.
public enum ExportText {
    public static let header: [String] = [
        "Email ID", "First Name", "Last Name", "Alternate ID", "Work Phone", "Title", "Department",
        "User Status",
    ]

    public static func headerLine(delimiter: Delimiter) -> String {
        line(header, delimiter: delimiter)
    }

    public static func lines(for user: StoredUser, delimiter: Delimiter) -> String {
        let p = user.profile
        let fields = [user.email, p.firstName, p.lastName, p.alternateID, p.workPhone, p.title, p.department]
        var text = line(fields + ["New"], delimiter: delimiter)
        switch user.state {
        case .invited: break
        case .active: text += line([user.email, "", "", "", "", "", "", "Activate"], delimiter: delimiter)
        case .deleted: text += line([user.email, "", "", "", "", "", "", "Delete"], delimiter: delimiter)
        }
        return text
    }

    /// RFC 4180: quoted when a value holds the delimiter, a quote, a line break or edge spaces
    /// (which the reader would otherwise trim).
    static func line(_ fields: [String], delimiter: Delimiter) -> String {
        fields.map { value in
            let needsQuotes =
                value.contains(delimiter.character) || value.contains("\"") || value.contains("\n")
                || value.contains("\r") || value.first == " " || value.last == " " || value.first == "\t"
                || value.last == "\t"
            return needsQuotes ? "\"" + value.replacingQuotes() + "\"" : value
        }.joined(separator: String(delimiter.character)) + "\n"
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for character in self { out += character == "\"" ? "\"\"" : String(character) }
        return out
    }
}
