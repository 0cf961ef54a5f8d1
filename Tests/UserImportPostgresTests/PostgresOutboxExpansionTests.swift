import Foundation
import Glibc
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres

/// The server's outbox blocks become `outbox` rows a step at a time, as in the SQLite file
/// (`OutboxExpansionTests`): a step that fails halfway is rolled back whole, and a block that
/// cannot be decoded moves nothing.
struct PostgresOutboxExpansionTests {
    /// A database whose outbox holds `count` invitations, queued by one import, not expanded.
    static func queued(_ count: Int) throws -> (url: String, connection: PostgresConnection) {
        let folder = NSTemporaryDirectory() + "pg-expansion-\(getpid())-\(count)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let url = try PostgresServer.shared.get().database()
        let connection = try PostgresConnection(url: url)
        try PostgresSchema.migrate(connection)
        var text = "Email ID,First Name,Last Name,User Status\n"
        for row in 0..<count { text += "u\(row)@example.com,F\(row),L,New\n" }
        try text.write(toFile: folder + "/new.csv", atomically: true, encoding: .utf8)
        _ = try BothBackendsImportTests.importIntoPostgres(
            path: folder + "/new.csv", name: "new.csv", importer: Importer(options: ImportOptions()),
            connection,
            Timestamp(millisecondsSinceEpoch: 1))
        return (url, connection)
    }

    static func entries(_ connection: PostgresConnection) throws -> [String] {
        var all: [String] = []
        try PostgresOutboxListing(connection: connection).forEachEntry(limit: nil) {
            all.append("\($0.id) \($0.line) \($0.kind) \($0.email) \($0.state)")
        }
        return all
    }

    /// Here a trigger fails the 1,500th row's insert, as a crash or a lost connection would.
    @Test func aStepInterruptedHalfwayLosesAndDuplicatesNothing() throws {
        let (url, connection) = try Self.queued(2_500)
        let before = try Self.entries(connection)
        #expect(before.count == 2_500)
        let queue = PostgresOutboxQueue(url: url)
        #expect(try queue.expand(atMost: 1_000) == 1_000)
        let first = try PostgresImportHistory.int(
            try connection.scalar("SELECT min(id) FROM outbox"), "an outbox id")
        try connection.execute(
            """
            CREATE FUNCTION crash() RETURNS trigger LANGUAGE plpgsql
                AS $$ BEGIN RAISE EXCEPTION 'crashed halfway'; END $$;
            CREATE TRIGGER crash BEFORE INSERT ON outbox
                FOR EACH ROW WHEN (NEW.id = \(first + 1_499)) EXECUTE FUNCTION crash();
            """)
        #expect(throws: PostgresError.self) { try queue.expand(atMost: 1_000) }
        #expect(try connection.scalar("SELECT count(*) FROM outbox") == "1000")
        #expect(try connection.scalar("SELECT sum(entry_count - expanded) FROM outbox_blocks") == "1500")
        #expect(try Self.entries(connection) == before)
        try connection.execute("DROP TRIGGER crash ON outbox")
        while try queue.expand(atMost: 1_000) > 0 {}
        #expect(try Self.entries(connection) == before)
        #expect(try connection.scalar("SELECT count(*) FROM outbox_blocks") == "0")
        #expect(try connection.scalar("SELECT count(DISTINCT id) FROM outbox") == "2500")
        #expect(try connection.scalar("SELECT count(DISTINCT line) FROM outbox") == "2500")
    }

    @Test func aCorruptBlockIsReportedAndNothingMoves() throws {
        let (url, connection) = try Self.queued(10)
        try connection.execute("UPDATE outbox_blocks SET entries = substring(entries FROM 1 FOR 30)")
        let queue = PostgresOutboxQueue(url: url)
        #expect(throws: StoreError.self) { try queue.expand(atMost: 1_000) }
        #expect(throws: StoreError.self) {
            try queue.due(now: Timestamp(millisecondsSinceEpoch: 1_000_000), limit: 100)
        }
        #expect(throws: StoreError.self) { try Self.entries(connection) }
        #expect(try connection.scalar("SELECT count(*) FROM outbox") == "0")
        #expect(try PostgresOutboxListing(connection: connection).count(state: .pending) == 10)
    }
}
