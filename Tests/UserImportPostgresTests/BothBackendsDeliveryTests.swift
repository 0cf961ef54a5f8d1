import Foundation
import Glibc
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres
@testable import UserImportService

/// Delivery as the daemon's worker drives it (`DeliveryQueue`), on a SQLite file and on
/// PostgreSQL holding the same imports: the same emails come due in the same order, page by
/// page, with the same users; the same outcomes (sent, retried later, failed for good) leave the
/// same states, attempts and next due time, until nothing is pending on either.
struct BothBackendsDeliveryTests {
    /// What the "mail server" does with an email on an attempt: a function of its id and attempt,
    /// so both backends meet the same fate for the same email.
    static func outcome(_ mail: PendingMail, now: Timestamp) -> OutboxQueue.Outcome {
        let attempts = mail.attempts + 1
        switch (mail.id % 7, attempts) {
        case (0, _) where attempts >= 3:
            return .failed(id: mail.id, attempts: attempts, error: "550 no such mailbox")
        case (0, _), (3, 1):
            return .retry(
                id: mail.id, attempts: attempts,
                next: Timestamp(
                    millisecondsSinceEpoch: now.millisecondsSinceEpoch + 60_000 * Int64(attempts)),
                error: "421 try again later")
        default:
            return .sent(id: mail.id, attempts: attempts, at: now)
        }
    }

    @Test func theSameEmailsComeDueAndEndTheSameOnBoth() throws {
        let directory = NSTemporaryDirectory() + "both-delivery-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try BothBackendsReadingTests.Pair(directory: directory, seed: 31)
        let queues: [any DeliveryQueue] = [
            OutboxQueue(database: pair.sqlite),
            PostgresOutboxQueue(url: pair.postgresURL, leaseMilliseconds: 1_000),
        ]
        var now = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)
        var rounds = 0
        var handed = 0
        var fates: [String: Int] = [:]
        while rounds < 100 {
            rounds += 1
            let due = try queues.map { try $0.due(now: now, limit: 700) }
            #expect(due[1] == due[0], "round \(rounds)")
            handed += due[0].count
            let outcomes = due[0].map { Self.outcome($0, now: now) }
            for outcome in outcomes {
                switch outcome {
                case .sent: fates["sent", default: 0] += 1
                case .retry: fates["retry", default: 0] += 1
                case .failed: fates["failed", default: 0] += 1
                }
            }
            for queue in queues { try queue.record(outcomes) }
            for mail in due[0].prefix(5) {
                let pending = try queues.map { try $0.whilePending(id: mail.id) { true } ?? false }
                #expect(pending[1] == pending[0])
            }
            let next = try queues.map { try $0.nextDue() }
            #expect(next[1] == next[0], "round \(rounds)")
            guard let nextDue = next[0] else { break }
            // On to the next due email, or a minute on when some are due already.
            now = Timestamp(
                millisecondsSinceEpoch: max(nextDue.millisecondsSinceEpoch, now.millisecondsSinceEpoch + 1))
        }
        #expect(rounds > 4 && rounds < 100)
        #expect(handed > 2_500)
        #expect(fates["sent", default: 0] > 2_000)
        #expect(fates["retry", default: 0] > 100)
        #expect(fates["failed", default: 0] > 10)
        // The outbox as `userimportctl outbox` lists it: every entry, its state and attempts.
        func listing(_ reading: any OutboxReading) throws -> [String] {
            try reading.entries(limit: 100_000).map { "\($0)" }
        }
        let (sqliteOutbox, postgresOutbox) = pair.outbox
        #expect(try listing(postgresOutbox) == listing(sqliteOutbox))
        #expect(try sqliteOutbox.count(state: .pending) == 0)
    }
}
