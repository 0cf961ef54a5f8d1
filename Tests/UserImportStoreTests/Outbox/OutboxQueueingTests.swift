import Testing
import UserImportCore

@testable import UserImportStore

/// The import side: queued emails become blocks, with their ids, inside the import's transaction.
struct OutboxQueueingTests {
    @Test func queuedEmailsAreOneBlockNotRows() throws {
        let outbox = try OutboxTestQueue()
        let importID = try outbox.importQueueing(5)
        #expect(try outbox.scalar("SELECT count(*) FROM outbox") == 0)
        #expect(try outbox.scalar("SELECT count(*) FROM outbox_blocks") == 1)
        let entries = try outbox.all()
        #expect(entries.map(\.id) == [5, 4, 3, 2, 1])
        #expect(entries.map(\.line) == [6, 5, 4, 3, 2])
        #expect(entries.map(\.email) == (0..<5).reversed().map { "u\($0)@example.com" })
        #expect(entries.map(\.kind) == [.invitation, .activation, .invitation, .invitation, .activation])
        #expect(
            entries.allSatisfy {
                $0.importID == importID && $0.state == .pending && $0.attempts == 0
                    && $0.createdAt == sampleTime
                    && $0.lastError == nil
            })
        #expect(try outbox.listing.count(state: .pending) == 5)
    }

    @Test func aFullBlockIsWrittenAtOnceAndTheRestByFlush() throws {
        let outbox = try OutboxTestQueue()
        let capacity = OutboxBlockWriter.capacity
        try outbox.connection.transaction {
            let id = try ImportHistory(database: outbox.database).begin(
                workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                startedAt: sampleTime)
            var queueing = try SQLiteOutbox(database: outbox.database, importID: id, now: sampleTime)
            for index in 0..<(capacity + 3) {
                try queueing.queue(.invitation, for: sampleUser("u\(index)@example.com"), line: index + 2)
            }
            #expect(
                try outbox.connection.texts("SELECT first_id || ':' || entry_count FROM outbox_blocks") == [
                    "1:\(capacity)"
                ])
            try queueing.flush()
        }
        #expect(
            try outbox.connection.texts(
                "SELECT first_id || ':' || entry_count FROM outbox_blocks ORDER BY first_id")
                == ["1:\(capacity)", "\(capacity + 1):3"])
        #expect(try outbox.all().map(\.id) == (1...Int64(capacity + 3)).reversed())
    }

    /// The importer moves the outbox into its batch target and back: copies write into the same
    /// open block, so no copy can leave emails behind or give an id twice.
    @Test func copiesOfTheOutboxShareTheOpenBlock() throws {
        let outbox = try OutboxTestQueue()
        try outbox.connection.transaction {
            let id = try ImportHistory(database: outbox.database).begin(
                workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                startedAt: sampleTime)
            var queueing = try SQLiteOutbox(database: outbox.database, importID: id, now: sampleTime)
            var copy = queueing
            try queueing.queue(.invitation, for: sampleUser("a@example.com"), line: 2)
            try copy.queue(.invitation, for: sampleUser("b@example.com"), line: 3)
            try copy.flush()
            try queueing.flush()
        }
        #expect(try outbox.all().map { "\($0.id) \($0.email)" } == ["2 b@example.com", "1 a@example.com"])
        #expect(try outbox.scalar("SELECT count(*) FROM outbox_blocks") == 1)
    }

    @Test func idsFollowEveryIdGivenBeforeAndAreNeverReused() throws {
        let outbox = try OutboxTestQueue()
        try outbox.insertOldRow(id: 7)
        try outbox.importQueueing(2)
        #expect(try outbox.all().map(\.id) == [9, 8, 7])
        while try outbox.queue.expand(atMost: 1) > 0 {}
        #expect(try outbox.scalar("SELECT count(*) FROM outbox_blocks") == 0)
        try outbox.importQueueing(1)
        #expect(try outbox.all().map(\.id) == [10, 9, 8, 7])
    }

    /// Ids near the top of Int64 only come from a damaged database: reported, never a trap.
    @Test func idsWithoutRoomForABlockAreACorruptRecord() throws {
        let outbox = try OutboxTestQueue()
        try outbox.insertOldRow(id: 9_223_372_036_854_775_000)
        try outbox.connection.execute(
            """
            INSERT INTO outbox_blocks (first_id, import_id, entry_count, created_at, entries)
            VALUES (9223372036854775805, 1, 5, 1, x'01');
            """)
        #expect(throws: StoreError.self) { try outbox.importQueueing(1) }
        #expect(throws: StoreError.self) { try outbox.listing.entries() }
        #expect(throws: StoreError.self) { try outbox.queue.expand(atMost: 1) }
    }

    @Test func aSecondEmailForTheSameOrAnEarlierLineIsRefused() throws {
        let database = try StoreTestDatabase().open()
        let id = try ImportHistory(database: database).begin(
            workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime, startedAt: sampleTime)
        var queueing = try SQLiteOutbox(database: database, importID: id, now: sampleTime)
        let ada = sampleUser("ada@example.com")
        try queueing.queue(.invitation, for: ada, line: 3)
        #expect(throws: StoreError.notificationOutOfOrder(line: 3, after: 3)) {
            try queueing.queue(.activation, for: ada, line: 3)
        }
        #expect(throws: StoreError.notificationOutOfOrder(line: 2, after: 3)) {
            try queueing.queue(.invitation, for: sampleUser("bob@example.com"), line: 2)
        }
        try queueing.flush()
        #expect(
            try OutboxListing(database: database).entries().map { "\($0.kind) \($0.email) \($0.line)" } == [
                "invitation ada@example.com 3"
            ])
    }

    /// A failed, duplicate or strict-mode file is rolled back to the savepoint `file_rows`: its
    /// blocks go with it, and the ids it had are free again.
    @Test func aRolledBackFileLeavesNoBlock() throws {
        let outbox = try OutboxTestQueue()
        try outbox.importQueueing(3)
        try outbox.connection.transaction {
            let id = try ImportHistory(database: outbox.database).begin(
                workName: FileName("y.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                startedAt: sampleTime)
            try outbox.connection.execute("SAVEPOINT file_rows")
            var queueing = try SQLiteOutbox(database: outbox.database, importID: id, now: sampleTime)
            try queueing.queue(.invitation, for: sampleUser("gone@example.com"), line: 2)
            try queueing.flush()
            #expect(try outbox.scalar("SELECT count(*) FROM outbox_blocks") == 2)
            try outbox.connection.execute("ROLLBACK TO file_rows")
            try outbox.connection.execute("RELEASE file_rows")
        }
        #expect(try outbox.scalar("SELECT count(*) FROM outbox_blocks") == 1)
        #expect(try outbox.all().map(\.email) == ["u2@example.com", "u1@example.com", "u0@example.com"])
        try outbox.importQueueing(1)
        #expect(try outbox.all().map(\.id) == [4, 3, 2, 1])
    }
}
