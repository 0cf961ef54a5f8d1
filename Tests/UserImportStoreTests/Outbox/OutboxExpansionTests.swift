import Testing
import UserImportCore

@testable import UserImportStore

/// The delivery side: blocks become `outbox` rows a step at a time, keeping their ids.
struct OutboxExpansionTests {
    @Test func idsKindsAndEmailsStayTheSameAcrossExpansion() throws {
        let outbox = try OutboxTestQueue()
        try outbox.importQueueing(2 * OutboxBlockWriter.capacity + 10)
        try outbox.importQueueing(7)
        let before = try outbox.all()
        let total = 2 * OutboxBlockWriter.capacity + 17
        #expect(before.count == total)
        #expect(before.map(\.id) == (1...Int64(total)).reversed())
        var steps = 0
        while try outbox.queue.expand(atMost: 1_000) > 0 {
            steps += 1
            #expect(try outbox.all() == before, "after step \(steps)")
            #expect(try outbox.listing.count(state: .pending) == total)
            try outbox.expectRowsBelowBlockEntries()
        }
        #expect(steps == (total + 999) / 1_000, "four blocks in steps of 1,000")
        #expect(try outbox.scalar("SELECT count(*) FROM outbox_blocks") == 0)
        #expect(try outbox.scalar("SELECT count(*) FROM outbox") == Int64(total))
        #expect(try outbox.all() == before)
    }

    @Test func aStepGoesOnIntoTheNextBlocksInOrder() throws {
        let outbox = try OutboxTestQueue()
        try outbox.importQueueing(3)
        try outbox.importQueueing(1)
        try outbox.importQueueing(4)
        let blocks = { try outbox.connection.texts("SELECT first_id || ':' || expanded FROM outbox_blocks") }
        #expect(try blocks() == ["1:0", "4:0", "5:0"])
        #expect(try outbox.queue.expand(atMost: 2) == 2)
        #expect(try blocks() == ["1:2", "4:0", "5:0"])
        #expect(try outbox.queue.expand(atMost: 4) == 4)
        #expect(try blocks() == ["5:2"])
        #expect(try outbox.queue.expand(atMost: 1_000) == 2)
        #expect(try blocks() == [])
        #expect(try outbox.queue.expand(atMost: 1_000) == 0)
        #expect(
            try outbox.connection.texts(
                "SELECT group_concat(id, ',') FROM (SELECT id FROM outbox ORDER BY id)")
                == ["1,2,3,4,5,6,7,8"])
        #expect(try outbox.scalar("SELECT count(DISTINCT import_id) FROM outbox") == 3)
    }

    /// A step that fails halfway (here a trigger, as a crash would) is rolled back whole: the next
    /// steps finish the work with nothing lost and nothing twice.
    @Test func aStepInterruptedHalfwayLosesAndDuplicatesNothing() throws {
        let outbox = try OutboxTestQueue()
        try outbox.importQueueing(2_500)
        let before = try outbox.all()
        #expect(try outbox.queue.expand(atMost: 1_000) == 1_000)
        try outbox.connection.execute(
            """
            CREATE TEMP TRIGGER crash BEFORE INSERT ON outbox WHEN NEW.id = 1500
            BEGIN SELECT RAISE(ABORT, 'crashed halfway'); END;
            """)
        #expect(throws: SQLiteError.self) { try outbox.queue.expand(atMost: 1_000) }
        #expect(!outbox.connection.isInTransaction)
        #expect(try outbox.scalar("SELECT count(*) FROM outbox") == 1_000)
        #expect(try outbox.scalar("SELECT min(first_id + expanded) FROM outbox_blocks") == 1_001)
        #expect(try outbox.scalar("SELECT sum(entry_count - expanded) FROM outbox_blocks") == 1_500)
        #expect(try outbox.all() == before)
        try outbox.connection.execute("DROP TRIGGER crash")
        while try outbox.queue.expand(atMost: 1_000) > 0 {}
        #expect(try outbox.all() == before)
        #expect(try outbox.scalar("SELECT count(DISTINCT id) FROM outbox") == 2_500)
        #expect(try outbox.scalar("SELECT count(DISTINCT line) FROM outbox") == 2_500)
        #expect(try outbox.scalar("SELECT min(id) FROM outbox") == 1)
        #expect(try outbox.scalar("SELECT max(id) FROM outbox") == 2_500)
    }

    @Test func aCorruptBlockIsReportedAndNothingMoves() throws {
        let outbox = try OutboxTestQueue()
        try outbox.importQueueing(10)
        try outbox.connection.execute("UPDATE outbox_blocks SET entries = substr(entries, 1, 30)")
        #expect(throws: StoreError.self) { try outbox.queue.expand(atMost: 1_000) }
        #expect(throws: StoreError.self) { try outbox.queue.due(now: sampleTime, limit: 100) }
        #expect(throws: StoreError.self) { try outbox.listing.entries() }
        #expect(try outbox.scalar("SELECT count(*) FROM outbox") == 0)
        #expect(try outbox.listing.count(state: .pending) == 10, "counting needs no decoding")
    }

    /// Delivery expands only as it runs short of due rows, a step at a time.
    @Test func dueExpandsOneStepWhenFewerThanTheLimitAreDue() throws {
        let outbox = try OutboxTestQueue()
        try outbox.importQueueing(2_500)
        let queue = outbox.queue
        let first = try queue.due(now: sampleTime, limit: 100)
        #expect(first.map(\.id) == Array(1...100))
        #expect(first.first?.user.email == "u0@example.com")
        #expect(first.first?.kind == .activation)
        #expect(try outbox.scalar("SELECT count(*) FROM outbox") == 1_000)
        #expect(try queue.due(now: sampleTime, limit: 100).map(\.id) == Array(1...100))
        #expect(try outbox.scalar("SELECT count(*) FROM outbox") == 1_000, "enough were due: no step")
        try queue.record((1...950).map { .sent(id: $0, attempts: 1, at: sampleTime) })
        #expect(try queue.due(now: sampleTime, limit: 100).map(\.id) == Array(951...1_050))
        #expect(try outbox.scalar("SELECT count(*) FROM outbox") == 2_000)
    }

    @Test func entriesInBlocksAreDueFromWhenTheyWereQueued() throws {
        let outbox = try OutboxTestQueue()
        #expect(try outbox.queue.nextDue() == nil)
        try outbox.importQueueing(3)
        #expect(try outbox.queue.nextDue() == sampleTime)
        let mail = try outbox.queue.due(now: sampleTime, limit: 100)
        #expect(mail.count == 3)
        let later = Timestamp(millisecondsSinceEpoch: sampleTime.millisecondsSinceEpoch + 60_000)
        try outbox.queue.record(mail.map { .retry(id: $0.id, attempts: 1, next: later, error: "busy") })
        #expect(try outbox.queue.nextDue() == later)
        try outbox.importQueueing(1)
        #expect(try outbox.queue.nextDue() == sampleTime)
    }
}
