import Foundation
import Testing
import UserImportStore

/// More than one outbox block's worth of emails through the daemon's real delivery loop and the
/// Maildir transport: each delivered once, under the id it was given when queued.
@Suite(.serialized)
struct OutboxDeliveryTests {
    static let rows = 4_300

    @Test func moreThanOneBlockIsDeliveredOnceEachUnderItsQueuedID() throws {
        let state = try TestStateDirectory()
        var csv = "Email ID, First Name, Last Name, User Status\n"
        for index in 0..<Self.rows {
            csv += "u\(index)@example.com, First\(index), Last\(index), New\n"
        }
        try state.drop("many.csv", csv)
        #expect(try state.pipeline().processInbox().map(\.disposition) == [.done])
        #expect(try state.count("SELECT count(*) FROM outbox") == 0, "the import queued blocks")
        #expect(try state.count("SELECT count(*) FROM outbox_blocks") >= 2)
        let queued = try state.queuedEmails()
        #expect(queued.count == Self.rows)
        let emailByID = Dictionary(uniqueKeysWithValues: queued.map { ($0.id, $0.email) })

        let daemon = try RunningDaemon(state: state, config: "[Mail]\nMaxPerMinute=1000000\n")
        try waitFor("all delivered", timeout: 300) {
            try state.count("SELECT count(*) FROM outbox WHERE state = 'sent'") == Int64(Self.rows)
        }
        #expect(try daemon.stop() == 0)

        #expect(try state.count("SELECT count(*) FROM outbox_blocks") == 0)
        let sent = try state.queuedEmails()
        #expect(sent.map(\.id) == queued.map(\.id))
        #expect(sent.map(\.email) == queued.map(\.email))
        #expect(sent.allSatisfy { $0.state == .sent && $0.attempts == 1 })

        let files = try state.list("mail/new")
        #expect(files.count == Self.rows)
        var mismatches: [String] = []
        for file in files {
            let text = try state.read("mail/new/" + file)
            let id = text.split(separator: "\n").first { $0.hasPrefix("X-Userimportd-Outbox-ID: ") }
                .flatMap { Int64($0.dropFirst("X-Userimportd-Outbox-ID: ".count)) }
            guard let id, let email = emailByID[id], file == "outbox-\(id).userimportd",
                text.contains("<\(email)>\n")
            else {
                mismatches.append(file)
                continue
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) messages not as queued: \(mismatches.prefix(5))")
    }
}
