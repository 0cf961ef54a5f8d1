import Foundation
import Glibc
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres

/// The server's numbered migrations past the first (the SQLite file's `ImportDatabaseTests`
/// for the server): a server upgraded with imports and users in it keeps them and answers as one
/// built new; a wish refused leaves its migration standing; a migration behind a long transaction
/// lets the other daemons through and, in the end, says what holds it.
struct PostgresSchemaTests {
    /// Imports made at version 6, then migration 7: the history and the users read as before,
    /// and searches answer as a scan would, before and after the first pass.
    @Test func aServerUpgradedWithImportsKeepsThemAndIsSearchedAsANewOne() throws {
        let folder = NSTemporaryDirectory() + "schema-upgrade-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let connection = try PostgresConnection(url: try PostgresServer.shared.get().database())
        try PostgresSchema.migrate(connection, through: 6)
        var text = "Email ID,First Name,Last Name,User Status\n"
        for row in 0..<3_000 { text += "u\(row)@example.com,Ada\(row % 7),Lovelace,New\n" }
        try text.write(toFile: folder + "/old.csv", atomically: true, encoding: .utf8)
        let record = try BothBackendsImportTests.importIntoPostgres(
            path: folder + "/old.csv", name: "old.csv", importer: Importer(options: ImportOptions()),
            connection,
            Timestamp(millisecondsSinceEpoch: 1))
        let before = try PostgresImportHistory(connection: connection).record(id: record.id)

        try PostgresSchema.migrate(connection)
        let listing = PostgresUserListing(connection: connection)
        func searched(_ term: String) throws -> [String] {
            var found: [String] = []
            try listing.forEachUser(states: [], search: term, offset: 0, limit: nil) {
                found.append($0.email)
            }
            return found
        }
        // The model: the users whose first name is Ada3, in email byte order.
        let ada3 = (0..<3_000).filter { $0 % 7 == 3 }.map { "u\($0)@example.com" }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(try PostgresSchema.version(connection) == PostgresSchema.currentVersion)
        #expect(try PostgresImportHistory(connection: connection).record(id: record.id) == before)
        #expect(before?.summary.rows == 3_000)
        #expect(try connection.scalar("SELECT after_email FROM user_search_first_pass") == "")
        #expect(try connection.scalar("SELECT count(*) FROM imports WHERE search_indexed_at IS NULL") == "0")
        #expect(
            try connection.scalar("SELECT to_regclass('user_search_trigrams')::text")
                == "user_search_trigrams")
        #expect(try searched("ada3") == ada3)
        #expect(try PostgresUserSearch.candidates(for: "ada3", connection: connection) == nil)
        while try PostgresUserSearchIndexing(connection: connection).step(chunks: 1, now: sampleTime) {}
        #expect(try PostgresUserSearch.candidates(for: "ada3", connection: connection)?.count == ada3.count)
        #expect(try searched("ada3") == ada3)
    }

    /// The trigram index cannot be made (here: its name taken): migration 7 stands without it,
    /// and the search reads every entry instead.
    @Test func aRefusedWishLeavesItsMigrationStanding() throws {
        let connection = try PostgresConnection(url: try PostgresServer.shared.get().database())
        try PostgresSchema.migrate(connection, through: 6)
        try connection.execute("CREATE TABLE user_search_trigrams (taken integer)")
        try PostgresSchema.migrate(connection)
        #expect(try PostgresSchema.version(connection) == PostgresSchema.currentVersion)
        #expect(try connection.scalar("SELECT count(*) FROM user_search") == "0")
        #expect(
            try connection.scalar(
                "SELECT count(*) FROM pg_indexes WHERE tablename = 'user_search' AND indexdef LIKE '%gin%'")
                == "0")
    }

    /// Another session holds `imports` (a long report, a stuck client) while a daemon starts on
    /// the new build: each try waits `lockTimeout`, so the other daemons' statements on the table
    /// are never queued behind it for longer; after its tries it says why it stopped, the
    /// version unchanged, and once the table is free it migrates.
    @Test func aMigrationBehindALongTransactionLetsOthersThroughAndSaysWhatHoldsIt() throws {
        let url = try PostgresServer.shared.get().database()
        let connection = try PostgresConnection(url: url)
        try PostgresSchema.migrate(connection, through: 6)
        let holder = try PostgresConnection(url: url)
        try holder.execute("BEGIN; SELECT count(*) FROM imports")
        let failures = PostgresConnectionTests.Failures()
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            do {
                try PostgresSchema.migrate(
                    try PostgresConnection(url: url), lockTimeout: "300ms", attempts: 3)
                failures.add("migrated while the table was held")
            } catch let error as PostgresError
                where error.sqlState == "55P03"
                && error.message.contains("schema version 7 waited 300ms for its tables 3 times")
            {
            } catch {
                failures.add("\(error)")
            }
            finished.signal()
        }
        let reader = try PostgresConnection(url: url)
        // Once the migration waits on the table's lock, a reader's statement queued behind it
        // goes through within the migration's timeout, not its own (here 1 s).
        let deadline = Date().addingTimeInterval(30)
        while try reader.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
            == "0",
            Date() < deadline
        {
            _ = finished.wait(timeout: .now() + 0.02)
        }
        try reader.execute("SET statement_timeout = '1s'")
        var reads = 0
        var done = false
        while !done, Date() < deadline {
            _ = try reader.scalar("SELECT count(*) FROM imports")
            reads += 1
            done = finished.wait(timeout: .now() + 0.05) == .success
        }
        try holder.execute("COMMIT")
        #expect(done || finished.wait(timeout: .now() + 30) == .success)
        #expect(failures.all.isEmpty)
        #expect(reads > 0)
        #expect(try PostgresSchema.version(connection) == 6)
        try PostgresSchema.migrate(connection)
        #expect(try PostgresSchema.version(connection) == PostgresSchema.currentVersion)
    }
}

private let sampleTime = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
