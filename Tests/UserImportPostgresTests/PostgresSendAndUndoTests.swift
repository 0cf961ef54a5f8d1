import Foundation
import Glibc
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres

/// Two daemons on one server: one sending an email, the other committing an undo that cancels
/// it. The undo waits for the send in progress; a send looked at after the undo finds the email
/// cancelled. Each side has its own connection, as each host does.
struct PostgresSendAndUndoTests {
    /// What the undo's thread saw, written by it.
    final class UndoSide: @unchecked Sendable {
        private let lock = NSLock()
        private var result: String?

        func set(_ value: String) {
            lock.lock()
            result = value
            lock.unlock()
        }

        var value: String? {
            lock.lock()
            defer { lock.unlock() }
            return result
        }
    }

    @Test func anotherHostsUndoWaitsForTheSendInProgress() throws {
        let directory = NSTemporaryDirectory() + "send-and-undo-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try BothBackendsReadingTests.Pair(directory: directory, seed: 37)
        let url = pair.postgresURL
        let sender = PostgresOutboxQueue(url: url, leaseMilliseconds: 60_000)
        let due = try sender.due(now: Timestamp(millisecondsSinceEpoch: 1_800_000_000_000), limit: 1)
        let mail = try #require(due.first)
        let row = try pair.postgres.query(
            "SELECT import_id, line, kind FROM outbox WHERE id = $1", [String(mail.id)])
        let importID = try #require(row.first?[0].flatMap { Int64($0) })
        let line = try #require(row.first?[1].flatMap { Int($0) })
        let kind = try #require(row.first?[2].flatMap { NotificationKind(rawValue: $0) })
        let cancellation = UndoPlan.Cancellation(line: line, email: mail.user.email, kind: kind)

        let undo = UndoSide()
        let undone = DispatchSemaphore(value: 0)
        let sent: String? = try sender.whilePending(id: mail.id) {
            DispatchQueue.global().async {
                defer { undone.signal() }
                do {
                    let connection = try PostgresConnection(url: url)
                    try connection.transaction {
                        try PostgresUndo.cancel([cancellation], of: importID, on: connection)
                    }
                    undo.set("committed")
                } catch {
                    undo.set("\(error)")
                }
            }
            // The undo is seen waiting for the email's row, and has not committed.
            let deadline = ContinuousClock.now + .seconds(20)
            while try pair.postgres.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE outbox%'"
            )
                != "1"
            {
                if ContinuousClock.now >= deadline {
                    Issue.record("the undo never waited for the send")
                    break
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
            #expect(undo.value == nil)
            return "sent"
        }
        #expect(sent == "sent")
        #expect(undone.wait(timeout: .now() + 20) == .success)
        #expect(undo.value == "committed")
        // Sent, not yet recorded: the undo cancelled it, and no daemon sends it again.
        let again: String? = try sender.whilePending(id: mail.id) { "sent twice" }
        #expect(again == nil)
        #expect(
            try pair.postgres.scalar("SELECT state FROM outbox WHERE id = $1", [String(mail.id)])
                == "cancelled")
    }
}
