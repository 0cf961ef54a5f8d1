/// An editable email template: a `Subject:` line, a blank line, then the body. Placeholders
/// `{first_name}`, `{last_name}`, `{email}`, `{title}`, `{department}` are replaced with the
/// user's values.
public struct MailTemplate: Sendable, Equatable {
    public var subject: String
    public var body: String

    public init(subject: String, body: String) {
        self.subject = subject
        self.body = body
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case noSubject

        public var description: String {
            "the first line must be \"Subject: …\", followed by a blank line and the body"
        }
    }

    public init(parsing text: String) throws {
        let normalised = text.replacingLineEndings()
        guard normalised.hasPrefix("Subject:") else { throw ParseError.noSubject }
        let firstBreak = normalised.firstIndex(of: "\n") ?? normalised.endIndex
        subject = String(normalised[normalised.index(normalised.startIndex, offsetBy: 8)..<firstBreak])
            .trimmingSpaces()
        var rest = normalised[firstBreak...]
        while rest.first == "\n" { rest = rest.dropFirst() }
        body = String(rest)
    }

    public func rendered(for user: StoredUser) -> (subject: String, body: String) {
        (fill(subject, user), fill(body, user))
    }

    private func fill(_ text: String, _ user: StoredUser) -> String {
        let p = user.profile
        let values = [
            "{first_name}": p.firstName, "{last_name}": p.lastName, "{email}": user.email, "{title}": p.title,
            "{department}": p.department,
        ]
        var out = text
        for (placeholder, value) in values { out = out.replacing(placeholder, with: value) }
        return out
    }

    public static let defaultInvitation = MailTemplate(
        subject: "You are invited, {first_name}",
        body: """
            Hello {first_name} {last_name},

            an account has been created for you ({email}). Follow the instructions from your
            administrator to set your password and sign in.

            """)

    public static let defaultActivation = MailTemplate(
        subject: "Your account is active, {first_name}",
        body: """
            Hello {first_name} {last_name},

            your account ({email}) is now active.

            """)
}

extension String {
    fileprivate func replacingLineEndings() -> String {
        var out = ""
        var previousCR = false
        for scalar in unicodeScalars {
            if scalar == "\r" {
                out += "\n"
                previousCR = true
            } else {
                if !(scalar == "\n" && previousCR) { out.unicodeScalars.append(scalar) }
                previousCR = false
            }
        }
        return out
    }

    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
