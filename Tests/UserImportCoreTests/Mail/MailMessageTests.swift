import Foundation
import Testing
import UserImportCore

struct MailMessageTests {
    func message(first: String, last: String = "Lee", template: MailTemplate = .defaultInvitation)
        -> MailMessage
    {
        MailMessage(
            outboxID: 42, kind: .invitation,
            user: StoredUser(
                email: "ann@example.com", profile: UserProfile(firstName: first, lastName: last),
                state: .invited),
            template: template, from: "hr@example.com",
            date: Timestamp(millisecondsSinceEpoch: 1_795_573_580_000))
    }

    func headers(_ message: MailMessage) -> [String] {
        let head = message.text.components(separatedBy: "\n\n").first ?? ""
        return head.split(separator: "\n").map(String.init)
    }

    @Test func aPlainMessageHasTheExpectedHeadersAndBody() {
        let m = message(first: "Ann")
        #expect(m.recipient == "ann@example.com")
        #expect(
            headers(m) == [
                "From: userimportd <hr@example.com>", "To: \"Ann Lee\" <ann@example.com>",
                "Subject: You are invited, Ann", "Date: Wed, 25 Nov 2026 02:26:20 +0000",
                "Message-ID: <outbox-42.invitation@example.com>", "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
                "Auto-Submitted: auto-generated", "X-Userimportd-Outbox-ID: 42",
            ])
        #expect(m.text.contains("\n\nHello Ann Lee,\n"))
    }

    @Test func theMessageIDDependsOnlyOnTheOutboxRow() {
        let first = message(first: "Ann")
        let retry = MailMessage(
            outboxID: 42, kind: .invitation,
            user: StoredUser(
                email: "ann@example.com", profile: UserProfile(firstName: "Ann", lastName: "Lee"),
                state: .invited),
            template: .defaultInvitation, from: "hr@example.com", date: Timestamp(millisecondsSinceEpoch: 0))
        #expect(
            headers(first).filter { $0.hasPrefix("Message-ID") }
                == headers(retry).filter { $0.hasPrefix("Message-ID") })
    }

    @Test(arguments: ["Mal\r\nBcc: x@evil.example", "Mal\nBcc: x@evil.example", "Mal\rBcc: x@evil.example"])
    func lineBreaksInUserDataCannotAddAHeader(_ name: String) {
        let m = message(first: name)
        #expect(!headers(m).contains { $0.hasPrefix("Bcc") })
        #expect(headers(m).count == 10)
        #expect(headers(m).allSatisfy { $0.contains(": ") })
    }

    @Test func nonASCIINamesAreRFC2047EncodedWords() {
        let m = message(first: "Zoë", last: "Ñúñez-王")
        let to = headers(m).first { $0.hasPrefix("To: ") } ?? ""
        #expect(to.hasPrefix("To: =?UTF-8?B?"))
        #expect(to.hasSuffix("?= <ann@example.com>"))
        let encoded = to.dropFirst("To: =?UTF-8?B?".count).prefix { $0 != "?" }
        #expect(
            String(decoding: Data(base64Encoded: String(encoded)) ?? Data(), as: UTF8.self) == "Zoë Ñúñez-王")
        let head = m.text.components(separatedBy: "\n\n").first ?? ""
        let sevenBit = head.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(sevenBit, "headers are 7-bit")
    }

    @Test func aLoneDotLineInTheBodyIsDoubled() {
        let m = message(first: "Ann", template: MailTemplate(subject: "x", body: "one\n.\ntwo\n"))
        #expect(m.text.hasSuffix("\n\none\n..\ntwo\n"))
    }

    @Test func templatesParseAndFillPlaceholders() throws {
        let template = try MailTemplate(
            parsing: "Subject: Hi {first_name}\r\n\r\nDear {first_name} {last_name} ({email}).\r\n")
        let user = StoredUser(
            email: "a@example.com", profile: UserProfile(firstName: "A", lastName: "B"), state: .invited)
        let rendered = template.rendered(for: user)
        #expect(rendered.subject == "Hi A")
        #expect(rendered.body == "Dear A B (a@example.com).\n")
        #expect(throws: MailTemplate.ParseError.noSubject) { try MailTemplate(parsing: "Hello\n\nbody") }
    }
}
