import Foundation
import Glibc
import Testing
import UserImportCore

@testable import UserImportPostgres
@testable import UserImportStore

/// An import's row results as each backend's writer stores them (chunks of
/// `RowResultWriter.rowsPerChunk` rows, held back until full or finished) and as the one cursor
/// reads them back: every row once, in line order, and a chunk changed behind the store's back a
/// failure, never rows made up.
struct RowResultWriterTests {
    enum Backend: CaseIterable {
        case sqlite, postgresql
    }

    /// A store with one import (id 1) to write results for.
    final class Store {
        private let folder: String
        let sqlite: ImportDatabase?
        let postgres: PostgresConnection?

        init(_ backend: Backend) throws {
            folder = NSTemporaryDirectory() + "row-writer-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            switch backend {
            case .sqlite:
                let database = try ImportDatabase(path: folder + "/userimport.db")
                _ = try ImportHistory(database: database).begin(
                    workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                    startedAt: sampleTime)
                (sqlite, postgres) = (database, nil)
            case .postgresql:
                let connection = try PostgresConnection(url: try PostgresServer.shared.get().database())
                try PostgresSchema.migrate(connection)
                let id = try PostgresImportHistory(connection: connection).begin(
                    workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                    startedAt: sampleTime)
                guard id == 1 else { throw PostgresError(.data, message: "the first import is \(id)") }
                (sqlite, postgres) = (nil, connection)
            }
        }

        deinit {
            try? FileManager.default.removeItem(atPath: folder)
        }

        func writer() throws -> any RowResultSink {
            if let sqlite { return try RowResultWriter(database: sqlite, importID: 1) }
            guard let postgres else { preconditionFailure("a store on neither backend") }
            return PostgresRowResultWriter(connection: postgres, importID: 1)
        }

        func cursor() throws -> RowResultCursor {
            if let sqlite { return try ImportHistory(database: sqlite).rows(importID: 1) }
            guard let postgres else { preconditionFailure("a store on neither backend") }
            return PostgresImportHistory(connection: postgres).rows(importID: 1)
        }

        func readBack() throws -> [RowResult] {
            let cursor = try cursor()
            let rows = Array(cursor)
            if let failure = cursor.failure { throw failure }
            return rows
        }

        func chunkSizes() throws -> [String] {
            let sql = "SELECT first_line || ':' || row_count FROM import_row_chunks ORDER BY first_line"
            if let sqlite { return try sqlite.connection.texts(sql) }
            return try postgres?.query(sql).compactMap { $0.first ?? nil } ?? []
        }

        /// `sql` with each `X'…'` byte literal written as the backend spells one.
        func change(_ sql: String) throws {
            if let sqlite { return try sqlite.connection.execute(sql) }
            try postgres?.execute(sql.replacing(/[xX]'([0-9A-Fa-f]*)'/) { "'\\x\($0.1)'::bytea" })
        }
    }

    static func rows(_ count: Int) -> [RowResult] {
        (0..<count).map { index in
            RowResult(
                line: index + 2, email: "user\(index)@example.com", status: index % 2 == 0 ? "New" : "Neu",
                outcome: index % 3 == 0 ? .created : .rejected,
                reason: index % 3 == 0 ? "" : "reason \(index)")
        }
    }

    @Test(arguments: Backend.allCases)
    func recordsRowResults(backend: Backend) throws {
        let store = try Store(backend)
        var writer = try store.writer()
        let row = RowResult(line: 7, email: "x", status: "New", outcome: .ignored, reason: "invalid email")
        try writer.record(row)
        #expect(try store.readBack().isEmpty, "held back until the chunk is full or finished")
        try writer.finish()
        #expect(try store.readBack() == [row])
    }

    static let boundaries: [(Backend, Int)] = Backend.allCases.flatMap { backend in
        [
            0, 1, RowResultWriter.rowsPerChunk - 1, RowResultWriter.rowsPerChunk,
            RowResultWriter.rowsPerChunk + 1, 3 * RowResultWriter.rowsPerChunk,
        ].map { (backend, $0) }
    }

    @Test(arguments: boundaries)
    func chunkBoundariesKeepEveryRowOnce(backend: Backend, count: Int) throws {
        let store = try Store(backend)
        var writer = try store.writer()
        let rows = Self.rows(count)
        for row in rows { try writer.record(row) }
        try writer.finish()
        try writer.finish()
        #expect(try store.readBack() == rows)
        let size = RowResultWriter.rowsPerChunk
        let chunks = stride(from: 0, to: count, by: size).map { "\($0 + 2):\(min(size, count - $0))" }
        #expect(try store.chunkSizes() == chunks)
    }

    @Test(arguments: Backend.allCases)
    func recordingGoesOnAfterFinish(backend: Backend) throws {
        let store = try Store(backend)
        var writer = try store.writer()
        let rows = Self.rows(5)
        for row in rows[..<2] { try writer.record(row) }
        try writer.finish()
        for row in rows[2...] { try writer.record(row) }
        try writer.finish()
        #expect(try store.readBack() == rows)
        #expect(try store.chunkSizes() == ["2:2", "4:3"])
    }

    /// One result per line, in line order: also across chunks, where the table's key would not
    /// catch it.
    @Test(arguments: Backend.allCases)
    func aLineNotAfterTheLastIsRefused(backend: Backend) throws {
        let store = try Store(backend)
        var writer = try store.writer()
        let rows = Self.rows(3)
        for row in rows { try writer.record(row) }
        try writer.finish()
        #expect(throws: StoreError.rowOutOfOrder(line: 3, after: 4)) { try writer.record(rows[1]) }
        #expect(throws: StoreError.rowOutOfOrder(line: 4, after: 4)) { try writer.record(rows[2]) }
    }

    /// Chunks written before row results kept their previous user say so, and only they: an undo
    /// must not take a re-creation stored there for a creation from nothing.
    @Test(arguments: Backend.allCases)
    func theCursorTellsChunksWithoutPreviousUsers(backend: Backend) throws {
        let store = try Store(backend)
        var writer = try store.writer()
        for row in Self.rows(3) { try writer.record(row) }
        try writer.finish()
        let current = try store.cursor()
        #expect(Array(current).count == 3)
        #expect(!current.lacksPrevious)
        // Line 10 in format 2: created, email "a", status "b", no reason, no cells.
        try store.change("INSERT INTO import_row_chunks VALUES (1, 10, 1, x'020A00016101620000')")
        let mixed = try store.cursor()
        #expect(Array(mixed).map(\.line) == [2, 3, 4, 10])
        #expect(mixed.failure == nil)
        #expect(mixed.lacksPrevious)
    }

    @Test(arguments: Backend.allCases)
    func aCorruptChunkEndsTheCursorWithAFailure(backend: Backend) throws {
        let store = try Store(backend)
        var writer = try store.writer()
        let rows = Self.rows(RowResultWriter.rowsPerChunk + 1)
        for row in rows { try writer.record(row) }
        try writer.finish()
        let last = rows[RowResultWriter.rowsPerChunk].line
        try store.change("UPDATE import_row_chunks SET rows = x'018208000161' WHERE first_line = \(last)")
        let cursor = try store.cursor()
        #expect(Array(cursor) == Array(rows.prefix(RowResultWriter.rowsPerChunk)))
        #expect(
            cursor.failure as? StoreError == .corruptRecord("row chunk at line \(last): truncated at byte 6"))
        #expect(cursor.next() == nil, "stays ended")
    }

    static let corruptions: [(Backend, String)] = Backend.allCases.flatMap { backend in
        [
            "INSERT INTO import_row_chunks VALUES (1, 3, 1, x'010300016101620000')",
            "UPDATE import_row_chunks SET row_count = 2",
            "UPDATE import_row_chunks SET row_count = 0",
            "UPDATE import_row_chunks SET first_line = 3",
            "UPDATE import_row_chunks SET rows = x'01020009610162'",
            "UPDATE import_row_chunks SET rows = x'01020701610162' || x'00'",
            "UPDATE import_row_chunks SET rows = x'010200016101FF00'",
            "UPDATE import_row_chunks SET rows = NULL",
        ].map { (backend, $0) }
    }

    @Test(arguments: corruptions)
    func corruptStoredChunksAreFailures(backend: Backend, change: String) throws {
        let store = try Store(backend)
        var writer = try store.writer()
        try writer.record(RowResult(line: 2, email: "a", status: "b", outcome: .created, reason: ""))
        try writer.finish()
        #expect(try store.readBack().count == 1)
        if change.contains("NULL") || change.contains("row_count = 0") && backend == .postgresql {
            // The column is NOT NULL on both, and the server checks the count too.
            do {
                try store.change(change)
                Issue.record("\(backend) \(change) was accepted")
            } catch let error as PostgresError {
                #expect(["23502", "23514"].contains(error.sqlState), "\(error)")
            } catch let error as SQLiteError {
                #expect("\(error)".contains("NOT NULL"), "\(error)")
            }
            return
        }
        try store.change(change)
        let cursor = try store.cursor()
        _ = Array(cursor)
        guard case .corruptRecord = cursor.failure as? StoreError else {
            Issue.record("\(backend) \(change): \(String(describing: cursor.failure))")
            return
        }
    }
}

private let sampleTime = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
