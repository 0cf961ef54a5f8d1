import Testing
import UserImportCore

@testable import UserImportStore

/// The read side: rows and entries still in blocks, in one order, counted once.
struct OutboxListingTests {
    /// Newest first means the newest blocks first: a short listing never reads older blocks
    /// (here the oldest is unreadable, and only a listing that reaches it fails).
    @Test func aShortListingDecodesOnlyTheNewestBlocksItNeeds() throws {
        let outbox = try OutboxTestQueue()
        let capacity = OutboxBlockWriter.capacity
        try outbox.importQueueing(2 * capacity + 5)
        let total = Int64(2 * capacity + 5)
        try outbox.connection.execute("UPDATE outbox_blocks SET entries = x'01' WHERE first_id = 1")
        let short = try outbox.listing.entries(limit: 10)
        #expect(short.map(\.id) == Array((total - 9)...total).reversed())
        #expect(short.first?.email == "u\(total - 1)@example.com")
        #expect(try outbox.listing.entries(limit: capacity + 5).count == capacity + 5)
        #expect(throws: StoreError.self) { try outbox.listing.entries(limit: capacity + 6) }
        #expect(try outbox.listing.entries(limit: 0).isEmpty)
    }

    @Test func rowsAndBlockEntriesAreCountedAndListedByState() throws {
        let outbox = try OutboxTestQueue()
        try outbox.importQueueing(2_500)
        #expect(try outbox.queue.expand(atMost: 1_000) == 1_000)
        let later = Timestamp(millisecondsSinceEpoch: sampleTime.millisecondsSinceEpoch + 60_000)
        try outbox.queue.record(
            (1...10).map { .sent(id: $0, attempts: 1, at: sampleTime) }
                + (11...15).map { .failed(id: $0, attempts: 10, error: "refused") }
                + (16...20).map { .retry(id: $0, attempts: 1, next: later, error: "busy") })
        #expect(try outbox.listing.count(state: .pending) == 2_485)
        #expect(try outbox.listing.count(state: .sent) == 10)
        #expect(try outbox.listing.count(state: .failed) == 5)

        let pending = try outbox.listing.entries(state: .pending, limit: .max)
        #expect(pending.map(\.id) == Array(16...2_500).reversed())
        #expect(pending.filter { $0.attempts == 1 }.map(\.id) == Array(16...20).reversed())
        #expect(pending.first { $0.id == 16 }?.lastError == "busy")
        #expect(try outbox.listing.entries(state: .sent).map(\.id) == Array(1...10).reversed())
        #expect(try outbox.listing.entries(state: .failed).map(\.id) == Array(11...15).reversed())
        #expect(try outbox.listing.entries(state: .failed).allSatisfy { $0.lastError == "refused" })

        // Past the 1,500 entries still in blocks the listing goes on with the rows, still newest first.
        let mixed = try outbox.listing.entries(limit: 1_600)
        #expect(mixed.map(\.id) == Array(901...2_500).reversed())
        let all = try outbox.listing.entries(limit: .max)
        #expect(all.map(\.id) == Array(1...2_500).reversed())
        #expect(Set(all.map(\.line)).count == 2_500)
    }

    /// A page anywhere, across the blocks, from the blocks into the rows, and in the rows, is
    /// that slice of the whole listing; a block wholly skipped is not decoded.
    @Test func pagesAreSlicesOfTheWholeListing() throws {
        let outbox = try OutboxTestQueue()
        let capacity = OutboxBlockWriter.capacity
        try outbox.importQueueing(3 * capacity)
        #expect(try outbox.queue.expand(atMost: capacity) == capacity)
        let all = try outbox.listing.entries(limit: .max).map(\.id)
        #expect(all.count == 3 * capacity)
        for (offset, limit) in [
            (0, 7), (capacity - 3, 10), (2 * capacity - 3, 10), (2 * capacity + 5, 20),
            (3 * capacity - 2, 10),
            (3 * capacity + 1, 5),
        ] {
            var streamed: [Int64] = []
            try outbox.listing.forEachEntry(offset: offset, limit: limit) { streamed.append($0.id) }
            #expect(streamed == Array(all.dropFirst(offset).prefix(limit)), "offset \(offset)")
        }
        var every = 0
        try outbox.listing.forEachEntry(limit: nil) { _ in every += 1 }
        #expect(every == 3 * capacity)
        // The newest block unreadable: a page past it never decodes it.
        try outbox.connection.execute(
            "UPDATE outbox_blocks SET entries = x'01' WHERE first_id = (SELECT max(first_id) FROM outbox_blocks)"
        )
        var past: [Int64] = []
        try outbox.listing.forEachEntry(offset: capacity, limit: 3) { past.append($0.id) }
        #expect(past == Array(all.dropFirst(capacity).prefix(3)))
    }
}
