import Foundation
import Testing

/// Invitation and activation emails delivered for real: msmtp speaking SMTP to a local server.
@Suite(.serialized)
struct MailTests {
    static let setup = """
        Email ID, First Name, Last Name, User Status
        existing@example.com, Eve, Existing, New
        waiting@example.com, Walt, Waiting, New

        """
    static let main = """
        Email ID, First Name, Last Name, User Status
        ann@example.com, Ann, Lee, New
        zoe@example.com, Zoë, Ñúñez-王, New
        bob@example.com, Bob, Ray, New
        waiting@example.com, , , Activate
        existing@example.com, Eve, Existing, New

        """

    func config(sendmail: String, retry: String = "200ms") -> String {
        "[Import]\nSettleTime=200ms\n[Mail]\nTransport=sendmail\nSendmail=\(sendmail)\nRetryInterval=\(retry)\n"
            + "From=hr@example.com\n"
    }

    func outbox(_ state: TestStateDirectory, _ where: String) throws -> Int64 {
        try state.count("SELECT count(*) FROM outbox WHERE \(`where`)")
    }

    @Test func exactlyTheRightEmailsReachTheMailServer() throws {
        let state = try TestStateDirectory()
        let sink = try SMTPSink(folder: state.root + "/received")
        let sendmail = try SMTPSink.sendmailWrapper(in: state.root, port: sink.port)
        let daemon = try RunningDaemon(state: state, config: config(sendmail: sendmail))
        try state.drop("setup.csv", Self.setup)
        try waitFor("setup invitations", timeout: 20) { try sink.messages().count == 2 }
        try state.drop("main.csv", Self.main)
        try waitFor("3 invitations and 1 activation more", timeout: 20) { try sink.messages().count == 6 }
        try waitFor("all marked sent", timeout: 10) { try outbox(state, "state = 'sent'") == 6 }

        let messages = Array(try sink.messages().dropFirst(2))
        let summary = messages.map { "\($0["to"] as? String ?? "") | \($0["subject"] as? String ?? "")" }
            .sorted()
        #expect(
            summary == [
                "Ann Lee <ann@example.com> | You are invited, Ann",
                "Bob Ray <bob@example.com> | You are invited, Bob",
                "Walt Waiting <waiting@example.com> | Your account is active, Walt",
                "Zoë Ñúñez-王 <zoe@example.com> | You are invited, Zoë",
            ])
        #expect(
            !messages.contains { ($0["to"] as? String)?.contains("existing") == true }, "no second invitation"
        )
        #expect(messages.allSatisfy { ($0["message_id"] as? String)?.hasPrefix("<outbox-") == true })
        #expect(try outbox(state, "1") == 6)
        // At info, a line per batch of emails, not one per email. Each batch is recorded in the
        // outbox before its line is logged, so the last line may still be on its way.
        func sentInSummaries() -> Int {
            daemon.log.split(separator: "\n").filter {
                $0.hasPrefix("info") && $0.contains("emails delivered")
            }
            .compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("emails_sent=") }.flatMap {
                    Int($0.dropFirst(12))
                }
            }.reduce(0, +)
        }
        try waitFor("summaries of 6 sent emails", timeout: 10) { sentInSummaries() >= 6 }
        #expect(sentInSummaries() == 6)
        let lines = daemon.log.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("info") && $0.contains("email sent") })
        #expect(try daemon.stop() == 0)
    }

    @Test func whileTheMailServerIsDownImportsGoOnAndMailFollowsWhenItIsBack() throws {
        let state = try TestStateDirectory()
        let port = try SMTPSink.freePort()
        let sendmail = try SMTPSink.sendmailWrapper(in: state.root, port: port)
        let daemon = try RunningDaemon(state: state, config: config(sendmail: sendmail))
        try state.drop("setup.csv", Self.setup)
        try waitFor("import done despite the mail server", timeout: 20) {
            state.exists("done/setup.csv.report.txt")
        }
        try waitFor("retries recorded", timeout: 20) {
            try outbox(state, "attempts >= 2 AND state = 'pending'") == 2
        }
        try state.drop("main.csv", Self.main)
        try waitFor("second import done", timeout: 20) { state.exists("done/main.csv.report.txt") }

        let sink = try SMTPSink(folder: state.root + "/received", port: port)
        try waitFor("everything delivered", timeout: 30) { try outbox(state, "state = 'sent'") == 6 }
        #expect(try sink.messages().count == 6, "each delivered once")
        #expect(Set(try sink.messages().compactMap { $0["message_id"] as? String }).count == 6)
        #expect(try daemon.stop() == 0)
    }

    @Test func killedDuringDeliveryEachMessageArrivesAtMostTwiceWithTheSameMessageID() throws {
        let state = try TestStateDirectory()
        let sink = try SMTPSink(folder: state.root + "/received")
        let marker = state.root + "/handed-over"
        // The message is with the server, but the daemon has not recorded it yet when it dies.
        let sendmail = try SMTPSink.sendmailWrapper(
            in: state.root, port: sink.port, afterwards: "touch \(marker); sleep 5")
        let doomed = try RunningDaemon(state: state, config: config(sendmail: sendmail))
        try state.drop("setup.csv", Self.setup)
        try waitFor("a message handed over", timeout: 20) { FileManager.default.fileExists(atPath: marker) }
        kill(doomed.pid, SIGKILL)
        try doomed.waitForExit()

        let plain = try SMTPSink.sendmailWrapper(in: state.root, port: sink.port)
        let daemon = try RunningDaemon(state: state, config: config(sendmail: plain))
        try waitFor("all sent", timeout: 30) { try outbox(state, "state = 'sent'") == 2 }
        let ids = try sink.messages().compactMap { $0["message_id"] as? String }
        let counts = Dictionary(grouping: ids, by: { $0 }).mapValues(\.count)
        #expect(counts.count == 2, "both messages arrived: \(counts)")
        #expect(counts.values.allSatisfy { $0 >= 1 && $0 <= 2 }, "\(counts)")
        #expect(counts.values.contains(2), "the interrupted one was sent again, with the same Message-ID")
        #expect(try daemon.stop() == 0)
    }

    @Test func aSendmailThatExitsWithoutReadingNeverTakesTheDaemonDown() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state, config: config(sendmail: "/bin/false"))
        try state.drop("setup.csv", Self.setup)
        try waitFor("retries recorded", timeout: 20) {
            try outbox(state, "attempts >= 2 AND state = 'pending'") == 2
        }
        #expect(daemon.process.isRunning)
        #expect(
            try state.count("SELECT count(*) FROM outbox WHERE last_error LIKE '%exited with status 1%'") == 2
        )
        #expect(try daemon.stop() == 0)
    }

    @Test func aNameCarryingAHeaderCannotReachTheMailServer() throws {
        let state = try TestStateDirectory()
        let sink = try SMTPSink(folder: state.root + "/received")
        let sendmail = try SMTPSink.sendmailWrapper(in: state.root, port: sink.port)
        let daemon = try RunningDaemon(state: state, config: config(sendmail: sendmail))
        try state.drop(
            "evil.csv",
            "Email ID,First Name,Last Name,User Status\nmal@example.com,\"Mal\r\nBcc: x@evil.example\",Lory,New\n"
                + "ok@example.com,\"Okay\",Fine,New\n")
        try waitFor("the good one delivered", timeout: 20) { try sink.messages().count == 1 }
        #expect(try state.read("done/evil.csv.report.txt").contains("control character"))
        let message = try #require(try sink.messages().first)
        #expect(message["bcc"] is NSNull)
        #expect((message["envelope_to"] as? [String]) == ["ok@example.com"])
        #expect(try daemon.stop() == 0)
    }

    @Test func theDefaultMaildirTransportDeliversOnceEvenAcrossACrash() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state)
        try state.drop("setup.csv", Self.setup)
        try waitFor("two messages", timeout: 20) { (try? state.list("mail/new").count) == 2 }
        try waitFor("marked sent", timeout: 10) { try outbox(state, "state = 'sent'") == 2 }
        #expect(try state.list("mail/tmp").isEmpty)
        // As if the daemon had died after writing a message but before recording it.
        try ImportDatabaseWriter(state).execute("UPDATE outbox SET state = 'pending', attempts = 0")
        #expect(try daemon.stop() == 0)
        let again = try RunningDaemon(state: state)
        try waitFor("marked sent again", timeout: 10) { try outbox(state, "state = 'sent'") == 2 }
        #expect(try state.list("mail/new").count == 2, "not delivered twice")
        let text = try state.read("mail/new/" + (try state.list("mail/new").first ?? ""))
        #expect(text.contains("Message-ID: <outbox-1.invitation@localhost>"))
        #expect(try again.stop() == 0)
    }
}
