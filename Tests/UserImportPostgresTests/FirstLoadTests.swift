import Foundation
import Glibc
import SeededRandom
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres
@testable import UserImportService

/// A first load into an empty directory asks the database only about emails it may have added
/// (`EmailBloomFilter`), on PostgreSQL and on the SQLite file: the answers, and so every row's
/// outcome, are the model's whatever the filter's size, and on the server no other writer adds a
/// user meanwhile.
struct FirstLoadTests {
    /// Several batches with the same emails in many of them, every status, into an empty
    /// directory: with the real filter, one so small that nearly every answer is a wrong maybe,
    /// and one full from the start; then a second file into the directory the first one left.
    @Test(arguments: [1 << 24, 64, 0] as [Int])
    func aFirstLoadGivesTheModelsResultsAndUsers(bitCount: Int) throws {
        let connection = try PostgresConnection(url: try PostgresServer.shared.get().database())
        try PostgresSchema.migrate(connection)
        var random = SplitMix64(seed: UInt64(bitCount) + 5)
        var model = PostgresUserDirectoryTests.ModelDirectory()
        let tests = PostgresUserDirectoryTests()
        for importID in Int64(1)...2 {
            let text = PostgresUserDirectoryTests.file(
                rows: Importer.batchSize * 2 + 3_000, emails: 30_000, using: &random)
            let expected = try tests.importFile(text, into: &model)
            let filter =
                bitCount == 0 ? EmailBloomFilter(capacity: -1) : EmailBloomFilter(bitCount: bitCount)
            let actual = try connection.transaction {
                var directory = try PostgresUserDirectory(
                    connection: connection, importID: importID,
                    now: Timestamp(millisecondsSinceEpoch: importID),
                    firstLoadFilter: filter)
                return try tests.importFile(text, into: &directory)
            }
            #expect(actual == expected, "import \(importID)")
            #expect(
                try tests.allUsers(connection)
                    == model.users.values.sorted { $0.email.utf8.lexicographicallyPrecedes($1.email.utf8) },
                "users after import \(importID)")
        }
        #expect(model.users.count > 15_000)
    }

    /// The same on the SQLite file, whose filter stops changing once full (here after 5,000
    /// emails, so that the first file's later batches, in file order, are mostly looked up).
    @Test(arguments: [1 << 23, 64, 0, 5_000] as [Int])
    func aFirstLoadIntoTheFileGivesTheModelsResultsAndUsers(bitCount: Int) throws {
        let folder = NSTemporaryDirectory() + "first-load-\(getpid())-\(bitCount)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try ImportDatabase(path: folder + "/userimport.db")
        var random = SplitMix64(seed: UInt64(bitCount) + 9)
        var model = PostgresUserDirectoryTests.ModelDirectory()
        let tests = PostgresUserDirectoryTests()
        for importID in Int64(1)...2 {
            let text = PostgresUserDirectoryTests.file(
                rows: Importer.batchSize * 2 + 3_000, emails: 30_000, using: &random)
            let expected = try tests.importFile(text, into: &model)
            let filter: EmailBloomFilter =
                switch bitCount {
                case 0: EmailBloomFilter(capacity: -1)
                case 5_000: EmailBloomFilter(bitCount: 1 << 16, capacity: 5_000)
                default: EmailBloomFilter(bitCount: bitCount)
                }
            let actual = try database.connection.transaction {
                var directory = try SQLiteUserDirectory(
                    database: database, importID: importID, now: Timestamp(millisecondsSinceEpoch: importID),
                    firstLoadFilter: filter)
                return try tests.importFile(text, into: &directory)
            }
            #expect(actual == expected, "import \(importID)")
            var stored: [StoredUser] = []
            try UserListing(database: database).forEachUser { stored.append($0) }
            #expect(
                stored
                    == model.users.values.sorted { $0.email.utf8.lexicographicallyPrecedes($1.email.utf8) },
                "users after import \(importID)")
        }
        #expect(model.users.count > 15_000)
    }

    /// A file sorted past its first rows (`SortedImport`) whose filter fills once the sorting has
    /// begun: the sorted rows reach the directory each batch at or above the one before, so the
    /// filter answers them from the largest email since it filled; an email repeated across two
    /// of those batches must still be looked up. Both backends, against the model read in file order.
    @Test(arguments: ["sqlite", "postgresql"])
    func aSortedFirstLoadPastTheFiltersCapacityGivesTheModelsResults(backend: String) throws {
        let folder = NSTemporaryDirectory() + "first-load-sorted-\(getpid())-\(backend)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var random = SplitMix64(seed: backend == "sqlite" ? 31 : 37)
        var model = PostgresUserDirectoryTests.ModelDirectory()
        let tests = PostgresUserDirectoryTests()
        let sorting = Importer(
            options: ImportOptions(), makeLane: { ThreadBatchLane() },
            makeSpill: { try TemporarySpillFile(in: folder) }, sortedBeyond: 2_048, batchSize: 512)
        let postgres = backend == "postgresql" ? try tests.migratedConnection() : nil
        let sqlite = backend == "sqlite" ? try ImportDatabase(path: folder + "/userimport.db") : nil
        for importID in Int64(1)...2 {
            let text = PostgresUserDirectoryTests.file(rows: 20_000, emails: 8_000, using: &random)
            let expected = try tests.importFile(text, into: &model)
            let filter = EmailBloomFilter(bitCount: 1 << 16, capacity: 1_000)
            let now = Timestamp(millisecondsSinceEpoch: importID)
            let actual: [RowResult]
            let stored: [StoredUser]
            if let postgres {
                actual = try postgres.transaction {
                    var directory = try PostgresUserDirectory(
                        connection: postgres, importID: importID, now: now, firstLoadFilter: filter)
                    return try tests.importFile(text, into: &directory, by: sorting)
                }
                stored = try tests.allUsers(postgres)
            } else if let sqlite {
                actual = try sqlite.connection.transaction {
                    var directory = try SQLiteUserDirectory(
                        database: sqlite, importID: importID, now: now, firstLoadFilter: filter)
                    return try tests.importFile(text, into: &directory, by: sorting)
                }
                var listed: [StoredUser] = []
                try UserListing(database: sqlite).forEachUser { listed.append($0) }
                stored = listed
            } else {
                return
            }
            #expect(actual == expected, "import \(importID)")
            #expect(
                stored
                    == model.users.values.sorted { $0.email.utf8.lexicographicallyPrecedes($1.email.utf8) },
                "users after import \(importID)")
        }
        #expect(model.users.count > 5_000)
    }

    /// While a first load's transaction is open, another writer's insert waits (here: gives up
    /// after its lock timeout); readers read the empty directory as it was.
    @Test func aFirstLoadKeepsOtherWritersOutUntilItCommits() throws {
        let url = try PostgresServer.shared.get().database()
        let connection = try PostgresConnection(url: url)
        try PostgresSchema.migrate(connection)
        let other = try PostgresConnection(url: url)
        try other.execute("SET lock_timeout = '200ms'")
        let insert = """
            INSERT INTO users (email, first_name, last_name, state, created_at, updated_at, last_import_id)
            VALUES ('someone@example.com', 'S', 'O', 'active', 0, 0, 0)
            """
        let seen: (refused: String, read: String?) = try connection.transaction {
            _ = try PostgresUserDirectory(
                connection: connection, importID: 1, now: Timestamp(millisecondsSinceEpoch: 1))
            let refused: String
            do {
                try other.execute(insert)
                refused = "inserted"
            } catch let error as PostgresError {
                refused = error.sqlState
            }
            return (refused, try other.scalar("SELECT count(*) FROM users"))
        }
        #expect(seen.refused == "55P03")
        #expect(seen.read == "0")
        try other.execute(insert)
        #expect(try connection.scalar("SELECT count(*) FROM users") == "1")
        // Not empty any more: the next import takes no table lock, and the writer is not held up.
        try connection.transaction {
            _ = try PostgresUserDirectory(
                connection: connection, importID: 2, now: Timestamp(millisecondsSinceEpoch: 2))
            try other.execute(insert.replacingOccurrences(of: "someone@", with: "another@"))
        }
        #expect(try connection.scalar("SELECT count(*) FROM users") == "2")
    }

    /// Another session holding a lock on the empty table (an insert not committed yet): the
    /// import neither waits for it nor locks the table, and looks every email up; nor under
    /// repeatable read, where a look under the lock would not see a user committed before it.
    @Test(arguments: ["READ COMMITTED", "REPEATABLE READ"])
    func aFirstLoadThatCannotLockAtOnceLooksEveryEmailUp(isolation: String) throws {
        let url = try PostgresServer.shared.get().database()
        let connection = try PostgresConnection(url: url)
        try PostgresSchema.migrate(connection)
        let holder = try PostgresConnection(url: url)
        let third = try PostgresConnection(url: url)
        try third.execute("SET lock_timeout = '200ms'")
        func insert(_ email: String) -> String {
            """
            INSERT INTO users (email, first_name, last_name, state, created_at, updated_at, last_import_id)
            VALUES ('\(email)', 'S', 'O', 'active', 0, 0, 0)
            """
        }
        if isolation == "READ COMMITTED" {
            try holder.execute("BEGIN")
            try holder.execute(insert("held@example.com"))
        }
        var model = PostgresUserDirectoryTests.ModelDirectory()
        let tests = PostgresUserDirectoryTests()
        let text =
            PostgresUserDirectoryTests.header + "a@example.com,A,B,,,,,New\nb@example.com,B,C,,,,,New\n"
        let expected = try tests.importFile(text, into: &model)
        try connection.execute("BEGIN ISOLATION LEVEL \(isolation)")
        var directory = try PostgresUserDirectory(
            connection: connection, importID: 1, now: Timestamp(millisecondsSinceEpoch: 1))
        // No table lock taken: another writer is not held up.
        try third.execute(insert("third@example.com"))
        let actual = try tests.importFile(text, into: &directory)
        try connection.execute("COMMIT")
        if isolation == "READ COMMITTED" { try holder.execute("COMMIT") }
        #expect(actual == expected)
        let count = try connection.scalar("SELECT count(*) FROM users")
        #expect(count == (isolation == "READ COMMITTED" ? "4" : "3"))
    }

    /// A first file that is read twice (not UTF-8: rolled back to its savepoint and read again as
    /// Latin-1) or fails strict mode, each into an empty directory on both backends: the same
    /// record, rows and users: the rolled-back attempt's filter did not outlive it.
    @Test(arguments: ["latin1", "strict"])
    func aFirstFileReadAgainGivesTheSameOnBoth(kind: String) throws {
        let folder = NSTemporaryDirectory() + "first-reread-\(getpid())-\(kind)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var bytes = Array(PostgresUserDirectoryTests.header.utf8)
        for number in 0..<3_000 { bytes += Array("p\(number)@example.com,P,Q,,,,,New\n".utf8) }
        let options: ImportOptions
        if kind == "latin1" {
            bytes += Array("zoe@example.com,Zo".utf8) + [0xEB] + Array(",X,,,,,New\n".utf8)
            options = ImportOptions(fallbackEncoding: .latin1)
        } else {
            bytes += Array("nameless@example.com,,,,,,,New\n".utf8)
            options = ImportOptions(strict: true)
        }
        let path = folder + "/first.csv"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let sqlite = try ImportDatabase(path: folder + "/userimport.db")
        let postgres = try PostgresConnection(url: try PostgresServer.shared.get().database())
        try PostgresSchema.migrate(postgres)
        let clock = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
        let onSQLite = try BothBackendsImportTests.importIntoSQLite(
            path: path, name: "first.csv", importer: Importer(options: options), sqlite, clock)
        let onPostgres = try BothBackendsImportTests.importIntoPostgres(
            path: path, name: "first.csv", importer: Importer(options: options), postgres, clock)
        #expect(onPostgres == onSQLite)
        #expect(onSQLite.disposition == (kind == "latin1" ? .done : .failed))
        #expect(
            Array(PostgresImportHistory(connection: postgres).rows(importID: onPostgres.id))
                == Array(try ImportHistory(database: sqlite).rows(importID: onSQLite.id)))
        var sqliteUsers: [StoredUser] = []
        try UserListing(database: sqlite).forEachUser { sqliteUsers.append($0) }
        #expect(try PostgresUserDirectoryTests().allUsers(postgres) == sqliteUsers)
        #expect(sqliteUsers.count == (kind == "latin1" ? 3_001 : 0))
    }
}
