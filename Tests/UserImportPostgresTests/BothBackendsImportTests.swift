import Foundation
import Glibc
import SeededRandom
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres
@testable import UserImportService

/// The same files imported into a SQLite file by the pipeline's own attempt and into PostgreSQL:
/// the same history records, row results, users and queued emails, file after file. Neither
/// backend is the model of the other's code (they share only the core and the encodings); a
/// difference is a defect in one of them.
struct BothBackendsImportTests {
    /// A day's files: random rows, a re-drop of an earlier file, a file that fails as a whole, a
    /// strict-mode failure, a file the mass-change guard holds, a file that is not UTF-8.
    static func files(seed: UInt64) -> [(name: String, bytes: [UInt8], options: ImportOptions)] {
        var random = SplitMix64(seed: seed)
        let header = PostgresUserDirectoryTests.header
        var files: [(String, [UInt8], ImportOptions)] = []
        let guarded = ImportOptions(massChange: MassChangeGuard(maxDeletePercent: 100, maxDeleteRows: 10))
        // The daily feeds delete as they please: only purge.csv meets a guard.
        let unguarded = ImportOptions(massChange: MassChangeGuard(maxDeletePercent: 100))
        for index in 0..<4 {
            let text = PostgresUserDirectoryTests.file(rows: 300, emails: 120, using: &random)
            files.append(("day\(index).csv", Array(text.utf8), unguarded))
        }
        files.append(("again.csv", files[1].1, unguarded))
        // More invitations than one outbox block holds, and more rows than one chunk.
        var many = header
        for number in 0..<2_500 { many += "new\(number)@example.net,New,Person \(number),,,,,New\n" }
        files.append(("many.csv", Array(many.utf8), unguarded))
        files.append(("noemail.csv", Array("First Name,Last Name\nAda,Lovelace\n".utf8), ImportOptions()))
        let strict = PostgresUserDirectoryTests.file(rows: 50, emails: 40, using: &random)
        files.append(("strict.csv", Array(strict.utf8), ImportOptions(strict: true)))
        var deletions = header
        for number in 0..<120 { deletions += "user\(number)@example.com,,,,,,,Delete\n" }
        files.append(("purge.csv", Array(deletions.utf8), guarded))
        let latin1: [UInt8] =
            Array(header.utf8) + Array("zoe@example.com,Zo".utf8) + [0xEB] + Array(",X,,,,,New\n".utf8)
        files.append(("latin1.csv", latin1, ImportOptions(fallbackEncoding: .latin1)))
        return files.map { (name: $0.0, bytes: $0.1, options: $0.2) }
    }

    /// Which side sorts its rows past the first 16 (`SortedImport`), in unnamed files of the test's
    /// folder: the other reads in file order, so the comparison checks the sorting too, for every
    /// fate (strict mode, the guard, the encoding retry).
    enum Sorting: CaseIterable {
        case neither, onSQLite, onPostgres
    }

    static func importer(_ options: ImportOptions, sorts: Bool, scratch: String) -> Importer {
        guard sorts else { return Importer(options: options) }
        return Importer(
            options: options, makeLane: { ThreadBatchLane() },
            makeSpill: { try TemporarySpillFile(in: scratch) },
            sortedBeyond: 16, batchSize: 16)
    }

    @Test(
        arguments: [
            (1, .neither), (2, .neither), (3, .neither), (4, .onSQLite), (5, .onPostgres), (6, .onSQLite),
            (7, .onPostgres),
        ]
            as [(UInt64, Sorting)])
    func theSameFilesGiveTheSameStoreOnBoth(seed: UInt64, sorting: Sorting) throws {
        let directory = NSTemporaryDirectory() + "both-backends-\(getpid())-\(seed)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sqlite = try ImportDatabase(path: directory + "/userimport.db")
        let postgres = try PostgresConnection(url: try PostgresServer.shared.get().database())
        try PostgresSchema.migrate(postgres)
        let clock = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + Int64(seed))

        var dispositions: [Disposition] = []
        for file in Self.files(seed: seed) {
            let path = directory + "/" + file.name
            try Data(file.bytes).write(to: URL(fileURLWithPath: path))
            let onSQLite = try Self.importIntoSQLite(
                path: path, name: file.name,
                importer: Self.importer(file.options, sorts: sorting == .onSQLite, scratch: directory),
                sqlite, clock)
            let onPostgres = try Self.importIntoPostgres(
                path: path, name: file.name,
                importer: Self.importer(file.options, sorts: sorting == .onPostgres, scratch: directory),
                postgres,
                clock)
            #expect(onPostgres == onSQLite, "\(file.name)")
            let storedOnSQLite = try ImportHistory(database: sqlite).record(id: onSQLite.id)
            #expect(storedOnSQLite != nil)
            #expect(
                try PostgresImportHistory(connection: postgres).record(id: onPostgres.id) == storedOnSQLite,
                "\(file.name)")
            dispositions.append(onSQLite.disposition)
            let sqliteRows = Array(try ImportHistory(database: sqlite).rows(importID: onSQLite.id))
            let postgresCursor = PostgresImportHistory(connection: postgres).rows(importID: onPostgres.id)
            #expect(Array(postgresCursor) == sqliteRows, "\(file.name)")
            #expect(postgresCursor.failure == nil)
            // Read a chunk or two at a time, and from the middle, the rows are still the same.
            let paged = RowResultCursor(
                chunks: PostgresRowChunks(connection: postgres, importID: onPostgres.id, pageSize: 2))
            #expect(Array(paged) == sqliteRows, "\(file.name)")
            let skipped = PostgresImportHistory(connection: postgres).rows(
                importID: onPostgres.id, skipping: 1_100)
            #expect(Array(skipped) == Array(sqliteRows.dropFirst(1_100)), "\(file.name)")
            // The report's lines, made from the stored bytes, are the same too.
            #expect(
                try Self.reportLines(
                    PostgresImportHistory(connection: postgres).rows(importID: onPostgres.id))
                    == Self.reportLines(ImportHistory(database: sqlite).rows(importID: onSQLite.id)))
        }
        // Every fate was reached, on both.
        #expect(Set(dispositions) == Set(Disposition.allCases))
        var sqliteUsers: [StoredUser] = []
        try UserListing(database: sqlite).forEachUser { sqliteUsers.append($0) }
        let postgresUsers = try postgres.query(
            "SELECT \(PostgresUserDirectory.columns) FROM users ORDER BY email"
        ).map(PostgresUserDirectory.user)
        #expect(!sqliteUsers.isEmpty)
        #expect(postgresUsers == sqliteUsers)

        let sqliteOutbox = try OutboxListing(database: sqlite).entries(limit: 100_000).reversed().map {
            "\($0.id) \($0.importID) \($0.line) \($0.kind) \($0.email)"
        }
        let postgresOutbox = try PostgresOutbox.entries(postgres).map {
            "\($0.id) \($0.importID) \($0.entry.line) \($0.entry.kind) \($0.entry.email)"
        }
        #expect(!sqliteOutbox.isEmpty)
        #expect(postgresOutbox == sqliteOutbox)
        // The names each email is addressed to, as the blocks hold them (the listing has none).
        let blocks = try sqlite.connection.prepare(
            "SELECT first_id, entry_count, entries FROM outbox_blocks ORDER BY first_id")
        var sqliteNames: [String] = []
        while try blocks.step() {
            let entries = try OutboxBlockCodec.decode(blocks.blob(2), count: Int(blocks.int(1)))
            for (offset, entry) in entries.enumerated() {
                sqliteNames.append("\(blocks.int(0) + Int64(offset)) \(entry.firstName) \(entry.lastName)")
            }
        }
        blocks.reset()
        let postgresNames = try PostgresOutbox.entries(postgres).map {
            "\($0.id) \($0.entry.firstName) \($0.entry.lastName)"
        }
        #expect(sqliteNames.count == sqliteOutbox.count)
        #expect(postgresNames == sqliteNames)
        // The scratch files had no names: nothing but the files dropped and the database is left.
        let left = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
            !$0.hasSuffix(".csv") && !$0.hasPrefix("userimport.db")
        }
        #expect(left.isEmpty)
    }

    /// Rejected rows keep their cells, so rows of 100 KiB each fill a chunk by bytes long before
    /// its 1,024 rows: a chunk is closed once it holds `RowChunkEncoder.bytesPerChunk` bytes, on
    /// both backends, and the rows read back whole, on PostgreSQL in pages cut short by their
    /// bytes (`PostgresRowChunks.pageBytes`) as well as by their count. Sorted, the rows are filed
    /// from the bytes of the results file, and close their chunks alike.
    @Test(arguments: [false, true])
    func chunksOfBigRejectedRowsCloseAtTheirByteBudgetOnBoth(sorts: Bool) throws {
        let directory = NSTemporaryDirectory() + "both-backends-wide-\(getpid())-\(sorts)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sqlite = try ImportDatabase(path: directory + "/userimport.db")
        let postgres = try PostgresConnection(url: try PostgresServer.shared.get().database())
        try PostgresSchema.migrate(postgres)
        let clock = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

        let rows = 90
        let title = String(repeating: "t", count: 100 << 10)
        var text = PostgresUserDirectoryTests.header
        for number in 0..<rows { text += "wide\(number)@example.com,Wide,Row,,,\(title),,New\n" }
        let path = directory + "/wide.csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let importer = Self.importer(ImportOptions(maxRecordBytes: 1 << 20), sorts: sorts, scratch: directory)
        let onSQLite = try Self.importIntoSQLite(
            path: path, name: "wide.csv", importer: importer, sqlite, clock)
        let onPostgres = try Self.importIntoPostgres(
            path: path, name: "wide.csv", importer: importer, postgres, clock)
        #expect(onSQLite.summary.counts.rejected == rows)

        // The first row that takes a chunk to its budget closes it.
        let perChunk = (RowChunkEncoder.bytesPerChunk + title.utf8.count - 1) / title.utf8.count
        let counts = stride(from: 0, to: rows, by: perChunk).map { "\(min(perChunk, rows - $0))" }
        #expect(
            counts.count > 1 && counts.count * (perChunk * title.utf8.count) > PostgresRowChunks.pageBytes)
        #expect(
            try sqlite.connection.texts(
                "SELECT row_count FROM import_row_chunks WHERE import_id = \(onSQLite.id) ORDER BY first_line"
            )
                == counts)
        #expect(
            try postgres.query(
                "SELECT row_count FROM import_row_chunks WHERE import_id = $1 ORDER BY first_line",
                [String(onPostgres.id)]
            ).map { $0.first ?? nil } == counts)
        let sqliteRows = Array(try ImportHistory(database: sqlite).rows(importID: onSQLite.id))
        #expect(sqliteRows.count == rows)
        #expect(sqliteRows.allSatisfy { $0.cells?.contains(title) == true })
        let history = PostgresImportHistory(connection: postgres)
        #expect(Array(history.rows(importID: onPostgres.id)) == sqliteRows)
        let paged = RowResultCursor(
            chunks: PostgresRowChunks(connection: postgres, importID: onPostgres.id, pageSize: 2))
        #expect(Array(paged) == sqliteRows)
        #expect(Array(history.rows(importID: onPostgres.id, skipping: 30)) == Array(sqliteRows.dropFirst(30)))
        // Indexing reads the same pages: every chunk gets its keys.
        while try PostgresLineageIndexing(connection: postgres).step(chunks: 16, now: clock) {}
        #expect(
            try postgres.scalar(
                "SELECT count(DISTINCT first_line) FROM lineage_keys WHERE import_id = $1",
                [String(onPostgres.id)])
                == "\(counts.count)")
    }

    /// The pipeline's transaction, as `importClaimed` runs it, without the folders around it.
    static func importIntoSQLite(
        path: String, name: String, importer: Importer, _ database: ImportDatabase, _ clock: Timestamp
    ) throws -> ImportRecord {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("cannot open", name: path) }
        defer { close(fd) }
        let size = Int(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0)
        let history = ImportHistory(database: database)
        return try database.connection.transaction {
            let id = try history.begin(
                workName: FileName(name), size: size, ownerUID: 0, receivedAt: clock, startedAt: clock)
            var record = ImportRecord(
                id: id, fileName: name, path: nil, sha256: "", size: size, ownerUID: 0, receivedAt: clock,
                startedAt: clock, finishedAt: clock, disposition: .failed, duplicateOf: nil, error: nil,
                summary: ImportSummary())
            try database.connection.execute("SAVEPOINT file_rows")
            var attempt = PipelineAttempt(database: database, id: id, now: clock)
            let outcome = try ImportRun.run(
                .opened(FileSource(fd: fd, name: name), size: size), importer: importer, attempt: &attempt)
            try database.connection.execute("RELEASE file_rows")
            record.sha256 = outcome.sha256 ?? ""
            record = outcome.fate.applied(to: record)
            try history.finish(record, publishAttempt: 0)
            return record
        }
    }

    static func importIntoPostgres(
        path: String, name: String, importer: Importer, _ connection: PostgresConnection, _ clock: Timestamp
    ) throws -> ImportRecord {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("cannot open", name: path) }
        defer { close(fd) }
        let size = Int(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0)
        return try PostgresImports.importFile(
            .opened(FileSource(fd: fd, name: name), size: size), importer: importer, connection: connection,
            workName: FileName(name), size: size, ownerUID: 0, receivedAt: clock, now: { clock })
    }

    static func reportLines(_ cursor: RowResultCursor) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while cursor.appendReportLines(to: &bytes) {}
        if let failure = cursor.failure { throw failure }
        return bytes
    }
}
