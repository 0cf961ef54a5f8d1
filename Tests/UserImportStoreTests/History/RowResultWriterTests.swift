import Testing
import UserImportCore

@testable import UserImportStore

struct RowResultWriterTests {
    static func rows(_ count: Int) -> [RowResult] {
        (0..<count).map { index in
            RowResult(
                line: index + 2, email: "user\(index)@example.com", status: index % 2 == 0 ? "New" : "Neu",
                outcome: index % 3 == 0 ? .created : .rejected,
                reason: index % 3 == 0 ? "" : "reason \(index)")
        }
    }

    /// A database with one import (id 1) to write results for.
    static func database() throws -> (StoreTestDatabase, ImportDatabase) {
        let file = try StoreTestDatabase()
        let database = try file.open()
        _ = try ImportHistory(database: database).begin(
            workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime, startedAt: sampleTime)
        return (file, database)
    }

    static func chunkSizes(_ database: ImportDatabase) throws -> [String] {
        try database.connection.texts(
            "SELECT first_line || ':' || row_count FROM import_row_chunks ORDER BY first_line")
    }

    static func readBack(_ database: ImportDatabase) throws -> [RowResult] {
        let cursor = try ImportHistory(database: database).rows(importID: 1)
        let rows = Array(cursor)
        if let failure = cursor.failure { throw failure }
        return rows
    }

    @Test func recordsRowResults() throws {
        let (_, database) = try Self.database()
        var writer = try RowResultWriter(database: database, importID: 1)
        let row = RowResult(line: 7, email: "x", status: "New", outcome: .ignored, reason: "invalid email")
        try writer.record(row)
        #expect(try Self.readBack(database).isEmpty, "held back until the chunk is full or finished")
        try writer.finish()
        #expect(try Self.readBack(database) == [row])
    }

    @Test(arguments: [
        0, 1, RowResultWriter.rowsPerChunk - 1, RowResultWriter.rowsPerChunk,
        RowResultWriter.rowsPerChunk + 1, 3 * RowResultWriter.rowsPerChunk,
    ])
    func chunkBoundariesKeepEveryRowOnce(count: Int) throws {
        let (_, database) = try Self.database()
        var writer = try RowResultWriter(database: database, importID: 1)
        let rows = Self.rows(count)
        for row in rows { try writer.record(row) }
        try writer.finish()
        try writer.finish()
        #expect(try Self.readBack(database) == rows)
        let size = RowResultWriter.rowsPerChunk
        let chunks = stride(from: 0, to: count, by: size).map { "\($0 + 2):\(min(size, count - $0))" }
        #expect(try Self.chunkSizes(database) == chunks)
    }

    @Test func recordingGoesOnAfterFinish() throws {
        let (_, database) = try Self.database()
        var writer = try RowResultWriter(database: database, importID: 1)
        let rows = Self.rows(5)
        for row in rows[..<2] { try writer.record(row) }
        try writer.finish()
        for row in rows[2...] { try writer.record(row) }
        try writer.finish()
        #expect(try Self.readBack(database) == rows)
        #expect(try Self.chunkSizes(database) == ["2:2", "4:3"])
    }

    /// One result per line, in line order: also across chunks, where SQLite's key would not catch it.
    @Test func aLineNotAfterTheLastIsRefused() throws {
        let (_, database) = try Self.database()
        var writer = try RowResultWriter(database: database, importID: 1)
        let rows = Self.rows(3)
        for row in rows { try writer.record(row) }
        try writer.finish()
        #expect(throws: StoreError.rowOutOfOrder(line: 3, after: 4)) { try writer.record(rows[1]) }
        #expect(throws: StoreError.rowOutOfOrder(line: 4, after: 4)) { try writer.record(rows[2]) }
    }

    /// Chunks written before row results kept their previous user say so, and only they: an undo
    /// must not take a re-creation stored there for a creation from nothing.
    @Test func theCursorTellsChunksWithoutPreviousUsers() throws {
        let (_, database) = try Self.database()
        var writer = try RowResultWriter(database: database, importID: 1)
        for row in Self.rows(3) { try writer.record(row) }
        try writer.finish()
        let current = try ImportHistory(database: database).rows(importID: 1)
        #expect(Array(current).count == 3)
        #expect(!current.lacksPrevious)
        // Line 10 in format 2: created, email "a", status "b", no reason, no cells.
        try database.connection.execute(
            "INSERT INTO import_row_chunks VALUES (1, 10, 1, x'020A00016101620000')")
        let mixed = try ImportHistory(database: database).rows(importID: 1)
        #expect(Array(mixed).map(\.line) == [2, 3, 4, 10])
        #expect(mixed.failure == nil)
        #expect(mixed.lacksPrevious)
    }

    @Test func aCorruptChunkEndsTheCursorWithAFailure() throws {
        let (_, database) = try Self.database()
        var writer = try RowResultWriter(database: database, importID: 1)
        let rows = Self.rows(RowResultWriter.rowsPerChunk + 1)
        for row in rows { try writer.record(row) }
        try writer.finish()
        let last = rows[RowResultWriter.rowsPerChunk].line
        try database.connection.execute(
            "UPDATE import_row_chunks SET rows = x'018208000161' WHERE first_line = \(last)")
        let cursor = try ImportHistory(database: database).rows(importID: 1)
        #expect(Array(cursor) == Array(rows.prefix(RowResultWriter.rowsPerChunk)))
        #expect(
            cursor.failure as? StoreError == .corruptRecord("row chunk at line \(last): truncated at byte 6"))
        #expect(cursor.next() == nil, "stays ended")
    }

    @Test(arguments: [
        "INSERT INTO import_row_chunks VALUES (1, 3, 1, x'010300016101620000')",
        "UPDATE import_row_chunks SET row_count = 2",
        "UPDATE import_row_chunks SET row_count = 0",
        "UPDATE import_row_chunks SET first_line = 3",
        "UPDATE import_row_chunks SET rows = x'01020009610162'",
        "UPDATE import_row_chunks SET rows = x'01020701610162' || x'00'",
        "UPDATE import_row_chunks SET rows = x'010200016101FF00'",
        "UPDATE import_row_chunks SET rows = NULL",
    ])
    func corruptStoredChunksAreFailures(change: String) throws {
        let (_, database) = try Self.database()
        var writer = try RowResultWriter(database: database, importID: 1)
        try writer.record(RowResult(line: 2, email: "a", status: "b", outcome: .created, reason: ""))
        try writer.finish()
        #expect(try Self.readBack(database).count == 1)
        if change.contains("NULL") {
            #expect(throws: SQLiteError.self, "the column is NOT NULL") {
                try database.connection.execute(change)
            }
            return
        }
        try database.connection.execute(change)
        let cursor = try ImportHistory(database: database).rows(importID: 1)
        _ = Array(cursor)
        guard case .corruptRecord = cursor.failure as? StoreError else {
            Issue.record("\(change): \(String(describing: cursor.failure))")
            return
        }
    }
}
