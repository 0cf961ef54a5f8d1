/// An RFC 5322 message for one outbox row. Pure: the caller passes the time and the ids.
///
/// Header values from user data can never add a header: line breaks are removed before anything
/// else, and non-ASCII text is sent as RFC 2047 encoded-words. The Message-ID is derived from the
/// outbox id, so a retry after a crash is recognisably the same message.
public struct MailMessage: Sendable, Equatable {
    public var recipient: String
    public var text: String

    public init(
        outboxID: Int64, kind: NotificationKind, user: StoredUser, template: MailTemplate, from: String,
        date: Timestamp
    ) {
        let (subject, body) = template.rendered(for: user)
        let name = [user.profile.firstName, user.profile.lastName].filter { !$0.isEmpty }.joined(
            separator: " ")
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        var headers: [(String, String)] = [
            ("From", "userimportd <\(from)>"),
            ("To", MailMessage.mailbox(name: name, address: user.email)),
            ("Subject", MailMessage.encodedWord(MailMessage.oneLine(subject))),
            ("Date", MailMessage.date(date)),
            ("Message-ID", "<outbox-\(outboxID).\(kind.rawValue)@\(domain)>"),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Transfer-Encoding", "8bit"),
            ("Auto-Submitted", "auto-generated"),
        ]
        headers.append(("X-Userimportd-Outbox-ID", String(outboxID)))
        recipient = user.email
        text = headers.map { "\($0.0): \($0.1)\n" }.joined() + "\n" + MailMessage.bodyText(body)
    }

    /// `"Zoë Ng" <zoe@example.com>`, with the display name encoded when it is not plain ASCII.
    static func mailbox(name: String, address: String) -> String {
        let clean = oneLine(name)
        if clean.isEmpty { return "<\(address)>" }
        if clean.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) {
            let escaped = clean.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            return "\"\(escaped)\" <\(address)>"
        }
        return encodedWord(clean) + " <\(address)>"
    }

    /// No CR, LF or other control character survives into a header.
    static func oneLine(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }

    /// RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters, only when needed.
    static func encodedWord(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.isASCII }) && text.utf8.count <= 900 { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + base64(chunk) + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + base64(chunk) + "?=") }
        return words.joined(separator: "\n ")
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(
                index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `Wed, 25 Nov 2026 02:14:54 +0000`
    static func date(_ time: Timestamp) -> String {
        let seconds = time.millisecondsSinceEpoch / 1000
        let days = Int(seconds / 86_400)
        let (year, month, day) = Timestamp.civilDate(daysSinceEpoch: days)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let second = Int(seconds % 86_400)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[((days % 7) + 7) % 7]), \(day) \(months[month - 1]) \(year) "
            + "\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) +0000"
    }

    /// The body with a final newline, and no line that a mail transfer agent could read as the
    /// end of the message (a lone ".").
    static func bodyText(_ body: String) -> String {
        var lines = body.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line == "." ? ".." : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}
