import Foundation
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres
@testable import UserImportService

/// Retention on the server: the row results of published imports finished before the cutoff go,
/// a few chunks per step, oldest import first; each import is marked in the step that starts on
/// it; newer and unpublished imports keep theirs.
struct PostgresRowResultPruningTests {
    @Test func oldPublishedImportsLoseTheirRowsAFewChunksAtATime() throws {
        let connection = try PostgresConnection(url: try PostgresServer.shared.get().database())
        try PostgresSchema.migrate(connection)
        let folder = NSTemporaryDirectory() + "prune-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Three imports a day apart; the first two of 2,500 rows (3 chunks), the last of 10.
        var ids: [Int64] = []
        for (day, rows) in [(1, 2_500), (2, 2_500), (3, 10)] {
            var text = "Email ID,First Name,Last Name,User Status\n"
            for row in 0..<rows { text += "d\(day)u\(row)@example.com,F,L,New\n" }
            let path = folder + "/day\(day).csv"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let clock = Timestamp(millisecondsSinceEpoch: Int64(day) * 86_400_000)
            let record = try BothBackendsImportTests.importIntoPostgres(
                path: path, name: "day\(day).csv", importer: .overlapping(ImportOptions(), scratch: "/tmp"),
                connection, clock)
            ids.append(record.id)
        }
        let history = PostgresImportHistory(connection: connection)
        for id in ids.prefix(2) { try history.markPublished(id: id, path: "done/x") }
        func chunks(_ id: Int64) throws -> String? {
            try connection.scalar("SELECT count(*) FROM import_row_chunks WHERE import_id = $1", [String(id)])
        }
        #expect(try ids.map(chunks) == ["3", "3", "1"])

        // Cutoff after days 1 and 2 and before day 3... and day 3 is not published either way.
        let cutoff = Timestamp(millisecondsSinceEpoch: 4 * 86_400_000)
        let pruning = PostgresRowResultPruning(connection: connection)
        let now = Timestamp(millisecondsSinceEpoch: 10 * 86_400_000)
        // Not before the search index has read them: until then their rows name the users
        // whose entries may be stale.
        #expect(try !pruning.step(finishedBefore: cutoff, chunks: 2, now: now))
        while try PostgresUserSearchIndexing(connection: connection).step(chunks: 64, now: now) {}
        var steps = 0
        var seen: [[String?]] = []
        while try pruning.step(finishedBefore: cutoff, chunks: 2, now: now) {
            steps += 1
            seen.append(try ids.map(chunks))
            #expect(steps < 10, "pruning never ends")
            if steps >= 10 { break }
        }
        // Two chunks, then the last one, of each published import in turn.
        #expect(seen == [["1", "3", "1"], ["0", "3", "1"], ["0", "1", "1"], ["0", "0", "1"]])
        let marked = try connection.query("SELECT id, rows_pruned_at FROM imports ORDER BY id").map { $0[1] }
        #expect(marked == [String(now.millisecondsSinceEpoch), String(now.millisecondsSinceEpoch), nil])
        // A pruned import's report has no rows; undo says why.
        #expect(Array(history.rows(importID: ids[0])).isEmpty)
        #expect(UndoRefusal.of(try history.record(id: ids[0]), id: ids[0]) == .rowsPruned(ids[0]))
    }
}
