import SeededRandom
import Testing
import UserImportCore

@testable import UserImportStore

/// `user EMAIL` answers the same whatever the idle indexing has reached — nothing indexed, part
/// of an import, all of it — and after pruning, and its query reads no table whole.
struct LineageIndexingTests {
    /// Imports of rows naming addresses from a small pool, so each address is named many times,
    /// in chunks of several imports; the model is every (import, line) that named each address.
    final class History {
        let database: ImportDatabase
        /// Keyed by bytes: Swift's String == holds "zoë" and "zoe\u{308}" equal, the lookup does not.
        var named: [[UInt8]: [(Int64, Int)]] = [:]
        let pool =
            (0..<40).map { "user\($0)@example.com" } + ["", "zoë@example.com", "zoe\u{308}@example.com"]

        init(_ file: StoreTestDatabase, imports: Int, seed: UInt64) throws {
            database = try file.open()
            var random = SplitMix64(seed: seed)
            let history = ImportHistory(database: database)
            for _ in 0..<imports {
                let id = try history.begin(
                    workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                    startedAt: sampleTime)
                var writer = try RowResultWriter(database: database, importID: id)
                let rows = Int.random(in: 0...(3 * RowResultWriter.rowsPerChunk), using: &random)
                for line in 2..<(2 + rows) {
                    let email = pool[Int.random(in: 0..<pool.count, using: &random)]
                    named[Array(email.utf8), default: []].append((id, line))
                    try writer.record(
                        RowResult(line: line, email: email, status: "New", outcome: .created, reason: ""))
                }
                try writer.finish()
            }
        }

        /// The model's rows for `email` that are still in a stored chunk.
        func expected(_ email: String) throws -> [String] {
            let chunks = try database.connection.prepare(
                "SELECT import_id, first_line, row_count FROM import_row_chunks")
            var kept: [(Int64, ClosedRange<Int>)] = []
            while try chunks.step() {
                let first = Int(chunks.int(1))
                kept.append((chunks.int(0), first...(first + Int(chunks.int(2)) - 1)))
            }
            return (named[Array(email.utf8)] ?? []).filter { row in
                kept.contains { $0.0 == row.0 && $0.1.contains(row.1) }
            }
            .map { "\($0.0):\($0.1)" }
        }

        func found(_ email: String) throws -> [String] {
            try UserListing(database: database).lineage(email: email).map { "\($0.importID):\($0.row.line)" }
        }

        func checkEveryAddress(_ moment: String) throws {
            for email in pool + ["nobody@example.com"] {
                let expected = try expected(email)
                let found = try found(email)
                #expect(found == expected, "\(email) \(moment)")
            }
        }
    }

    @Test(arguments: [1, 2, 5, 64])
    func theAnswerIsTheSameWhateverTheIndexingHasReached(chunksPerStep: Int) throws {
        let file = try StoreTestDatabase()
        let history = try History(file, imports: 6, seed: UInt64(chunksPerStep))
        let indexing = LineageIndexing(database: history.database)
        try history.checkEveryAddress("before indexing")
        var steps = 0
        while try indexing.step(chunks: chunksPerStep, now: sampleTime) {
            steps += 1
            try history.checkEveryAddress("after step \(steps)")
        }
        #expect(steps > 0)
        #expect(try history.database.connection.scalar("SELECT count(*) FROM lineage_progress") == 0)
        #expect(
            try history.database.connection.scalar(
                "SELECT count(*) FROM imports WHERE lineage_indexed_at IS NULL")
                == 0)
        #expect(try history.database.connection.scalar("SELECT count(*) FROM lineage_keys") ?? 0 > 0)
    }

    @Test func aNewImportAfterIndexingIsScannedUntilItIsIndexedToo() throws {
        let file = try StoreTestDatabase()
        let history = try History(file, imports: 2, seed: 7)
        let indexing = LineageIndexing(database: history.database)
        while try indexing.step(chunks: 64, now: sampleTime) {}
        let id = try ImportHistory(database: history.database).begin(
            workName: FileName("y.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime, startedAt: sampleTime)
        var writer = try RowResultWriter(database: history.database, importID: id)
        for line in 2..<2_000 {
            history.named[Array("user3@example.com".utf8), default: []].append((id, line))
            try writer.record(
                RowResult(
                    line: line, email: "user3@example.com", status: "New", outcome: .created, reason: ""))
        }
        try writer.finish()
        try history.checkEveryAddress("with a new import not indexed")
        #expect(try indexing.step(chunks: 64, now: sampleTime))
        try history.checkEveryAddress("with every import indexed")
    }

    /// Another address with the same key (forged here: 31 bits are shared by chance) costs a
    /// chunk's decoding, never a wrong row.
    @Test func aKeySharedWithAnotherAddressFindsNoWrongRow() throws {
        let file = try StoreTestDatabase()
        let history = try History(file, imports: 2, seed: 11)
        let indexing = LineageIndexing(database: history.database)
        while try indexing.step(chunks: 64, now: sampleTime) {}
        try history.database.connection.prepare(
            "INSERT OR IGNORE INTO lineage_keys SELECT ?, import_id, first_line FROM import_row_chunks"
        ).run(.int(LineageKey.of(email: "nobody@example.com")))
        #expect(try history.found("nobody@example.com").isEmpty)
        try history.checkEveryAddress("with forged keys")
    }

    @Test func pruningRemovesTheKeysWithTheChunks() throws {
        let file = try StoreTestDatabase()
        let history = try History(file, imports: 4, seed: 3)
        let indexing = LineageIndexing(database: history.database)
        // Two imports indexed, the third part-way, the fourth not at all.
        var steps = 0
        while steps < 6, try indexing.step(chunks: 1, now: sampleTime) { steps += 1 }
        // Pruning waits for the search indexing to have read an import's rows.
        while try UserSearchIndexing(database: history.database).step(chunks: 64) {}
        let pruning = RowResultPruning(database: history.database)
        let later = Timestamp(millisecondsSinceEpoch: sampleTime.millisecondsSinceEpoch + 1)
        try history.database.connection.execute("UPDATE imports SET published = 1")
        while try pruning.step(finishedBefore: later, chunks: 1, now: later) {
            try history.checkEveryAddress("while pruning")
        }
        #expect(try history.database.connection.scalar("SELECT count(*) FROM import_row_chunks") == 0)
        #expect(try history.database.connection.scalar("SELECT count(*) FROM lineage_keys") == 0)
        while try indexing.step(chunks: 1, now: sampleTime) {}
        try history.checkEveryAddress("after pruning and indexing")
    }

    /// What "no scan of the whole history" means to SQLite: every table is searched by a key, but
    /// for the partial index that lists only the imports not indexed yet.
    @Test func theLookupReadsNoTableWhole() throws {
        let file = try StoreTestDatabase()
        let history = try History(file, imports: 2, seed: 5)
        let explain = try history.database.connection.prepare("EXPLAIN QUERY PLAN " + UserListing.lineageSQL)
        try explain.bind(.blob(Array("a@b".utf8)), .int(1))
        var plan: [String] = []
        while try explain.step() { plan.append(explain.text(3)) }
        #expect(!plan.isEmpty)
        let scans = plan.filter { $0.hasPrefix("SCAN ") }
        #expect(scans == ["SCAN i USING INDEX imports_lineage_pending"], "\(plan)")
    }
}
