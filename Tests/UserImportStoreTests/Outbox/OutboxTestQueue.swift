import Testing
import UserImportCore

@testable import UserImportStore

/// A database with emails queued the way an import queues them, and what the tests check on it.
final class OutboxTestQueue {
    let file: StoreTestDatabase
    let database: ImportDatabase
    private var queued = 0

    init() throws {
        file = try StoreTestDatabase()
        database = try file.open()
    }

    var connection: SQLiteConnection { database.connection }
    var listing: OutboxListing { OutboxListing(database: database) }
    var queue: OutboxQueue { OutboxQueue(database: database) }

    /// One import that queues `count` emails, as the pipeline runs it: one transaction, `queue`
    /// in file order, then the batch's `flush`. Every third is an activation.
    @discardableResult
    func importQueueing(_ count: Int) throws -> Int64 {
        try connection.transaction {
            let id = try ImportHistory(database: database).begin(
                workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                startedAt: sampleTime)
            var queueing = try SQLiteOutbox(database: database, importID: id, now: sampleTime)
            for index in 0..<count {
                try queueing.queue(
                    index % 3 == 0 ? .activation : .invitation,
                    for: sampleUser("u\(queued + index)@example.com"),
                    line: index + 2)
            }
            try queueing.flush()
            queued += count
            return id
        }
    }

    /// An `outbox` row with the given id, of an import 1 of its own, as an older build wrote them.
    func insertOldRow(id: Int64) throws {
        try connection.execute(
            """
            INSERT INTO imports (id, file_name, work_name, sha256, size, received_at, started_at, finished_at,
                                 disposition)
            VALUES (1, 'old.csv', x'00', 'x', 1, 1, 1, 1, 'done');
            INSERT INTO outbox (id, import_id, line, kind, email, first_name, last_name, created_at)
            VALUES (\(id), 1, 2, 'invitation', 'old@example.com', 'O', 'D', 1);
            """)
    }

    func all() throws -> [OutboxEntry] {
        try listing.entries(limit: .max)
    }

    func scalar(_ sql: String) throws -> Int64 {
        try connection.scalar(sql) ?? -1
    }

    /// What the listing and the ids rest on: every row of `outbox` has a lower id than every entry
    /// still in a block.
    func expectRowsBelowBlockEntries(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let highestRow = try connection.scalar("SELECT max(id) FROM outbox")
        let lowestEntry = try connection.scalar("SELECT min(first_id + expanded) FROM outbox_blocks")
        if let highestRow, let lowestEntry {
            #expect(highestRow < lowestEntry, sourceLocation: sourceLocation)
        }
    }
}
