import SeededRandom
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres

/// `user EMAIL` on the server answers the same whatever the idle indexing has reached — nothing
/// indexed, part of an import, all of it — and after pruning; its query has a plan that reads
/// no table whole; and two daemons never index or prune at once.
struct PostgresLineageIndexingTests {
    static let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    /// Imports of rows naming addresses from a small pool, so each address is named many times,
    /// in chunks of several imports; the model is every (import, line) that named each address.
    final class History {
        let url: String
        let connection: PostgresConnection
        /// Keyed by bytes: Swift's String == holds "zoë" and "zoe\u{308}" equal, the lookup does not.
        var named: [[UInt8]: [(Int64, Int)]] = [:]
        let pool =
            (0..<40).map { "user\($0)@example.com" } + ["", "zoë@example.com", "zoe\u{308}@example.com"]

        init(imports: Int, seed: UInt64) throws {
            url = try PostgresServer.shared.get().database()
            connection = try PostgresConnection(url: url)
            try PostgresSchema.migrate(connection)
            var random = SplitMix64(seed: seed)
            for _ in 0..<imports {
                let rows = Int.random(in: 0...(3 * RowResultWriter.rowsPerChunk), using: &random)
                try add(rows: rows) { _ in self.pool[Int.random(in: 0..<self.pool.count, using: &random)] }
            }
        }

        /// One committed import of `rows` rows, each naming `email(line)`.
        func add(rows: Int, email: (Int) -> String) throws {
            try connection.transaction {
                let id = try PostgresImportHistory(connection: connection).begin(
                    workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: time, startedAt: time)
                var writer = PostgresRowResultWriter(connection: connection, importID: id)
                for line in 2..<(2 + rows) {
                    let address = email(line)
                    named[Array(address.utf8), default: []].append((id, line))
                    try writer.record(
                        RowResult(line: line, email: address, status: "New", outcome: .created, reason: ""))
                }
                try writer.finish()
            }
        }

        /// The model's rows for `email` that are still in a stored chunk.
        func expected(_ email: String) throws -> [String] {
            let kept = try connection.query("SELECT import_id, first_line, row_count FROM import_row_chunks")
                .map {
                    row -> (Int64, ClosedRange<Int>) in
                    let first = Int(try PostgresImportHistory.int(row[1], "a line"))
                    let count = Int(try PostgresImportHistory.int(row[2], "a count"))
                    return (try PostgresImportHistory.int(row[0], "an id"), first...(first + count - 1))
                }
            return (named[Array(email.utf8)] ?? []).filter { row in
                kept.contains { $0.0 == row.0 && $0.1.contains(row.1) }
            }
            .map { "\($0.0):\($0.1)" }
        }

        func found(_ email: String) throws -> [String] {
            try PostgresUserListing(connection: connection).lineage(email: email).map {
                "\($0.importID):\($0.row.line)"
            }
        }

        func checkEveryAddress(_ moment: String) throws {
            for email in pool + ["nobody@example.com"] {
                let expected = try expected(email)
                let found = try found(email)
                #expect(found == expected, "\(email) \(moment)")
            }
        }

        func count(_ sql: String) throws -> String? { try connection.scalar(sql) }
    }

    @Test(arguments: [1, 2, 5, 64])
    func theAnswerIsTheSameWhateverTheIndexingHasReached(chunksPerStep: Int) throws {
        let history = try History(imports: 6, seed: UInt64(chunksPerStep))
        let indexing = PostgresLineageIndexing(connection: history.connection)
        try history.checkEveryAddress("before indexing")
        var steps = 0
        while try indexing.step(chunks: chunksPerStep, now: Self.time) {
            steps += 1
            try history.checkEveryAddress("after step \(steps)")
            if steps > 100 { break }
        }
        #expect(steps > 0 && steps <= 100)
        #expect(try history.count("SELECT count(*) FROM lineage_progress") == "0")
        #expect(try history.count("SELECT count(*) FROM imports WHERE lineage_indexed_at IS NULL") == "0")
        #expect(try history.count("SELECT count(*) > 0 FROM lineage_keys") == "t")
    }

    @Test func aNewImportAfterIndexingIsScannedUntilItIsIndexedToo() throws {
        let history = try History(imports: 2, seed: 7)
        let indexing = PostgresLineageIndexing(connection: history.connection)
        while try indexing.step(chunks: 64, now: Self.time) {}
        try history.add(rows: 1_998) { _ in "user3@example.com" }
        try history.checkEveryAddress("with a new import not indexed")
        #expect(try indexing.step(chunks: 64, now: Self.time))
        try history.checkEveryAddress("with every import indexed")
    }

    /// Another address with the same key (forged here) costs a chunk's decoding, never a wrong row.
    @Test func aKeySharedWithAnotherAddressFindsNoWrongRow() throws {
        let history = try History(imports: 2, seed: 11)
        let indexing = PostgresLineageIndexing(connection: history.connection)
        while try indexing.step(chunks: 64, now: Self.time) {}
        try history.connection.query(
            """
            INSERT INTO lineage_keys SELECT $1, import_id, first_line FROM import_row_chunks
            ON CONFLICT DO NOTHING
            """,
            [String(LineageKey.of(email: "nobody@example.com"))])
        #expect(try history.found("nobody@example.com").isEmpty)
        try history.checkEveryAddress("with forged keys")
    }

    @Test func pruningRemovesTheKeysWithTheChunks() throws {
        let history = try History(imports: 4, seed: 3)
        let indexing = PostgresLineageIndexing(connection: history.connection)
        // Two imports indexed, the third part-way, the fourth not at all.
        var steps = 0
        while steps < 6, try indexing.step(chunks: 1, now: Self.time) { steps += 1 }
        #expect(try history.count("SELECT count(*) FROM lineage_progress") == "1")
        try history.connection.execute("UPDATE imports SET published = true")
        while try PostgresUserSearchIndexing(connection: history.connection).step(chunks: 64, now: Self.time)
        {}
        let pruning = PostgresRowResultPruning(connection: history.connection)
        let later = Timestamp(millisecondsSinceEpoch: Self.time.millisecondsSinceEpoch + 1)
        var pruned = 0
        while try pruning.step(finishedBefore: later, chunks: 1, now: later) {
            pruned += 1
            try history.checkEveryAddress("while pruning")
            if pruned > 100 { break }
        }
        #expect(pruned > 0 && pruned <= 100)
        #expect(try history.count("SELECT count(*) FROM import_row_chunks") == "0")
        #expect(try history.count("SELECT count(*) FROM lineage_keys") == "0")
        while try indexing.step(chunks: 1, now: Self.time) {}
        try history.checkEveryAddress("after pruning and indexing")
    }

    /// While one daemon holds the upkeep lock, another's indexing (lineage and search) and pruning steps change
    /// nothing and say the upkeep is busy (not "nothing left"); once it is released they go on.
    @Test func twoDaemonsNeverIndexOrPruneAtOnce() throws {
        let history = try History(imports: 2, seed: 13)
        let other = try PostgresConnection(url: history.url)
        let indexing = PostgresLineageIndexing(connection: other)
        let search = PostgresUserSearchIndexing(connection: other)
        let pruning = PostgresRowResultPruning(connection: other)
        try history.connection.execute("UPDATE imports SET published = true")
        let later = Timestamp(millisecondsSinceEpoch: Self.time.millisecondsSinceEpoch + 1)
        let whileHeld: [String] = try history.connection.transaction {
            [
                "\(try PostgresLineageIndexing.tryUpkeepLock(history.connection))",
                Self.outcome { try indexing.step(chunks: 64, now: Self.time) },
                Self.outcome { try search.step(chunks: 64, now: Self.time) },
                Self.outcome { try pruning.step(finishedBefore: later, chunks: 1, now: later) },
            ]
        }
        #expect(whileHeld == ["true", "busy", "busy", "busy"])
        #expect(try history.count("SELECT count(*) FROM lineage_keys") == "0")
        #expect(try history.count("SELECT count(*) FROM imports WHERE search_indexed_at IS NULL") == "2")
        #expect(try indexing.step(chunks: 64, now: Self.time))
        #expect(try history.count("SELECT count(*) > 0 FROM lineage_keys") == "t")
        while try search.step(chunks: 64, now: Self.time) {}
        #expect(try history.count("SELECT count(*) FROM imports WHERE search_indexed_at IS NULL") == "0")
        #expect(try pruning.step(finishedBefore: later, chunks: 1, now: later))
    }

    static func outcome(_ step: () throws -> Bool) -> String {
        do {
            return "\(try step())"
        } catch is UpkeepBusy {
            return "busy"
        } catch {
            return "\(error)"
        }
    }

    /// An undo holds its target's import row for its whole transaction (`FOR SHARE`): indexing
    /// that import waits a second at most, says busy, and leaves the lock for the next try.
    @Test func anImportRowHeldByAnUndoMakesIndexingBusyNotStuck() throws {
        let history = try History(imports: 1, seed: 17)
        let undo = try PostgresConnection(url: history.url)
        let indexing = PostgresLineageIndexing(connection: history.connection)
        let whileHeld: String = try undo.transaction {
            try undo.query("SELECT id FROM imports ORDER BY id LIMIT 1 FOR SHARE")
            return Self.outcome { try indexing.step(chunks: 64, now: Self.time) }
        }
        #expect(whileHeld == "busy")
        #expect(try history.count("SELECT count(*) FROM imports WHERE lineage_indexed_at IS NULL") == "1")
        #expect(try indexing.step(chunks: 64, now: Self.time))
        try history.checkEveryAddress("after the undo let go")
    }

    /// Ids come from one sequence, commits in any order: an import with a lower id that commits
    /// after a later one was indexed is scanned, then indexed in its turn.
    @Test func anEarlierIdCommittingAfterALaterOneIsIndexedToo() throws {
        let history = try History(imports: 0, seed: 19)
        let slow = try PostgresConnection(url: history.url)
        let indexing = PostgresLineageIndexing(connection: history.connection)
        try slow.execute("BEGIN")
        let early = try PostgresImportHistory(connection: slow).begin(
            workName: FileName("slow.csv"), size: 1, ownerUID: 0, receivedAt: Self.time, startedAt: Self.time)
        var writer = PostgresRowResultWriter(connection: slow, importID: early)
        for line in 2..<1_500 {
            try writer.record(
                RowResult(
                    line: line, email: "user5@example.com", status: "New", outcome: .created, reason: ""))
        }
        try writer.finish()
        try history.add(rows: 50) { _ in "user5@example.com" }
        while try indexing.step(chunks: 64, now: Self.time) {}
        try slow.execute("COMMIT")
        for line in 2..<1_500 {
            history.named[Array("user5@example.com".utf8), default: []].append((early, line))
        }
        history.named[Array("user5@example.com".utf8)]?.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        try history.checkEveryAddress("the earlier id committed last, not indexed")
        #expect(try indexing.step(chunks: 64, now: Self.time))
        #expect(try history.count("SELECT count(*) FROM imports WHERE lineage_indexed_at IS NULL") == "0")
        try history.checkEveryAddress("every import indexed")
    }

    /// What "no scan of the whole history" means to the server: with sequential scans priced
    /// out, the lookup finds keys by the address's key and the imports not indexed by the partial
    /// index, and pruning finds a chunk's keys by the chunk, however many there are.
    @Test func theLookupAndThePruningReadNoTableWhole() throws {
        let history = try History(imports: 2, seed: 5)
        try history.connection.execute("SET enable_seqscan = off")
        try history.connection.execute(
            "PREPARE lineage (bytea, integer) AS " + PostgresUserListing.lineageSQL)
        let plan = try history.connection.query("EXPLAIN EXECUTE lineage ('\\x614062', 1)").compactMap {
            $0.first ?? nil
        }
        let text = plan.joined(separator: "\n")
        #expect(!plan.isEmpty)
        #expect(!text.contains("Seq Scan"), "\(text)")
        #expect(text.contains("imports_lineage_pending"), "\(text)")
        #expect(text.contains("Index Cond: (email_key = 1)"), "\(text)")
        try history.connection.execute(
            "PREPARE pruning (bigint, bigint) AS " + PostgresRowResultPruning.deleteSQL)
        let removal = try history.connection.query("EXPLAIN EXECUTE pruning (1, 64)").compactMap {
            $0.first ?? nil
        }.joined(separator: "\n")
        #expect(!removal.contains("Seq Scan"), "\(removal)")
        #expect(removal.contains("lineage_keys_chunk"), "\(removal)")
    }
}
