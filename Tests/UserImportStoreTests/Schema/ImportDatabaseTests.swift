import Testing
import UserImportStore

struct ImportDatabaseTests {
    @Test func migratesAFreshFileToTheLatestVersion() throws {
        let file = try StoreTestDatabase()
        let database = try file.open()
        #expect(try database.schemaVersion == 1)
        let tables = try database.connection.texts(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        #expect(tables == ["import_rows", "imports", "outbox", "users"])
        #expect(try database.connection.texts("PRAGMA journal_mode") == ["wal"])
    }

    @Test func reopeningDoesNotRerunMigrations() throws {
        let file = try StoreTestDatabase()
        try file.open().connection.execute(
            "INSERT INTO users VALUES ('a@example.com', 'A', 'B', '', '', '', '', 'invited', 1, 1, 1)")
        let reopened = try file.open()
        #expect(try reopened.connection.scalar("SELECT count(*) FROM users") == 1)
    }

    @Test func readOnlyOpenRefusesADatabaseOfAnotherVersion() throws {
        let file = try StoreTestDatabase()
        try file.open().connection.execute("PRAGMA user_version = 99")
        #expect(throws: StoreError.schemaVersion(found: 99)) { try file.open(readOnly: true) }
    }

    @Test func readOnlyOpenCannotWrite() throws {
        let file = try StoreTestDatabase()
        _ = try file.open()
        let reader = try file.open(readOnly: true)
        #expect(throws: SQLiteError.self) {
            try reader.connection.execute("DELETE FROM users")
        }
    }

    @Test func integrityCheckPassesOnAFreshDatabase() throws {
        let file = try StoreTestDatabase()
        #expect(try file.open().integrityCheck() == ["ok"])
    }
}
