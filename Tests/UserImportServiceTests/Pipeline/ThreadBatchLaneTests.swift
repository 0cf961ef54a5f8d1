import Dispatch
import Synchronization
import Testing
import UserImportCore

@testable import UserImportService

/// The daemon's importer writes each full batch on a thread of its own: the outcome is the one an
/// inline run gives, a failed write still stops the import before any later batch, and a batch
/// written is let go.
struct ThreadBatchLaneTests {
    struct Directory: UserDirectory {
        struct DiskFull: Error {}
        var users: [String: StoredUser] = [:]
        var failStores = false
        var batchesAsked = 0

        mutating func users(emails: [String]) throws -> [StoredUser?] {
            batchesAsked += 1
            return emails.map { users[$0] }
        }

        mutating func store(_ batch: [StoredUser]) throws {
            if failStores { throw DiskFull() }
            for user in batch { users[user.email] = user }
        }
    }

    struct Rows: RowResultSink {
        var results: [RowResult] = []
        mutating func record(_ result: RowResult) throws { results.append(result) }
        mutating func finish() throws {}
    }

    static func text(rows: Int) -> String {
        var text = "Email ID,First Name,Last Name,User Status\n"
        for index in 0..<rows { text += "u\(index % (rows / 2))@example.com,Ann,Lee \(index),New\n" }
        return text
    }

    @Test func batchesOnTheLaneGiveWhatAnInlineRunGives() throws {
        let bytes = Array(Self.text(rows: 3 * Importer.batchSize + 7).utf8)
        func run(_ importer: Importer) throws -> (ImportSummary, Directory, Rows) {
            var source = BytesSource(bytes)
            var directory = Directory()
            var outbox = NoNotifications()
            var rows = Rows()
            let summary = try importer.run(
                source: &source, directory: &directory, outbox: &outbox, results: &rows)
            return (summary, directory, rows)
        }
        let (threaded, threadedDirectory, threadedRows) = try run(
            .overlapping(ImportOptions(), scratch: "/tmp"))
        let (inline, inlineDirectory, inlineRows) = try run(Importer(options: ImportOptions()))
        #expect(threaded.counts == inline.counts)
        #expect(threaded.counts.created > 0 && threaded.counts.updated > 0)
        #expect(threadedRows.results == inlineRows.results)
        #expect(threadedDirectory.users == inlineDirectory.users)
    }

    @Test func aFailedWriteOnTheLaneStopsTheImport() throws {
        var source = BytesSource(Array(Self.text(rows: 3 * Importer.batchSize).utf8))
        var directory = Directory(failStores: true)
        var outbox = NoNotifications()
        var rows = Rows()
        #expect(throws: Directory.DiskFull.self) {
            _ = try Importer.overlapping(ImportOptions(), scratch: "/tmp").run(
                source: &source, directory: &directory, outbox: &outbox, results: &rows)
        }
        #expect(directory.batchesAsked == 1)
        #expect(rows.results.count == Importer.batchSize)
    }

    final class Batch: Sendable {
        static let alive = Mutex(0)
        init() { Self.alive.withLock { $0 += 1 } }
        deinit { Self.alive.withLock { $0 -= 1 } }
    }

    /// A lane that kept its jobs past their run kept every batch of a file until the end: a
    /// 1M-row Update re-import peaked at 531 MB. A job is let go before `wait()` returns.
    @Test func aJobRunIsLetGoBeforeTheWaitReturns() throws {
        let lane = ThreadBatchLane()
        // The job alone holds its batch.
        func startJob() {
            let batch = Batch()
            lane.start { withExtendedLifetime(batch) {} }
        }
        for _ in 0..<40 {
            startJob()
            try lane.wait()
            #expect(Batch.alive.withLock { $0 } == 0)
        }
    }
}
