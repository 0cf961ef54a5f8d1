import Testing

@testable import UserImportStore

struct ImportDatabaseTests {
    @Test func migratesAFreshFileToTheLatestVersion() throws {
        let file = try StoreTestDatabase()
        let database = try file.open()
        #expect(try database.schemaVersion == Int64(Migrations.all.count))
        let tables = try database.connection.texts(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        #expect(tables == ["import_rows", "imports", "outbox", "outbox_blocks", "users"])
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

    /// A database written by a version-1 build keeps its users and outbox, and its checks, when
    /// version 2 rebuilds the two tables.
    @Test func version2KeepsTheDataOfVersion1() throws {
        let file = try StoreTestDatabase()
        do {
            let old = try SQLiteConnection(path: file.path)
            try old.execute(Migrations.all[0].sql)
            try old.execute(
                """
                PRAGMA user_version = 1;
                INSERT INTO imports (id, file_name, work_name, sha256, size, received_at, started_at, finished_at,
                                     disposition)
                VALUES (1, 'a.csv', x'612E637376', 'x', 1, 1, 1, 1, 'done');
                INSERT INTO users VALUES ('a@example.com', 'A', 'B', 'E1', '', 'T', 'D', 'active', 1, 2, 1);
                INSERT INTO outbox (import_id, line, kind, email, first_name, last_name, created_at)
                VALUES (1, 2, 'invitation', 'a@example.com', 'A', 'B', 1);
                """)
        }
        let database = try file.open()
        #expect(try database.schemaVersion == Int64(Migrations.all.count))
        #expect(
            try database.connection.texts("SELECT email || ' ' || state || ' ' || title FROM users")
                == ["a@example.com active T"])
        #expect(
            try database.connection.texts("SELECT kind || ' ' || state || ' ' || line FROM outbox")
                == ["invitation pending 2"])
        #expect(throws: SQLiteError.self) {
            try database.connection.execute("UPDATE users SET state = 'gone'")
        }
        #expect(throws: SQLiteError.self) {
            try database.connection.execute("UPDATE outbox SET state = 'lost'")
        }
        #expect(throws: SQLiteError.self) {
            try database.connection.execute(
                "INSERT INTO outbox (import_id, line, kind, email, first_name, last_name, created_at) "
                    + "VALUES (1, 2, 'activation', 'a@example.com', 'A', 'B', 1)")
        }
        #expect(try database.integrityCheck() == ["ok"])
    }

    /// A `CHECK (x IN (…))` of three values rebuilds a temporary B-tree on every insert; the bulk
    /// path's statements must compile without one.
    @Test func bulkInsertsNeedNoTemporaryTable() throws {
        let database = try StoreTestDatabase().open()
        for sql in [
            "INSERT INTO users VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
            "INSERT INTO outbox (import_id, line, kind, email, first_name, last_name, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?)",
            "INSERT INTO import_rows (import_id, line, email, status, outcome, reason) VALUES (?, ?, ?, ?, ?, ?)",
            "INSERT INTO outbox_blocks (first_id, import_id, entry_count, expanded, created_at, entries) "
                + "VALUES (?, ?, ?, 0, ?, ?)",
        ] {
            let explain = try database.connection.prepare("EXPLAIN " + sql)
            var opcodes: [String] = []
            while try explain.step() { opcodes.append(explain.text(1)) }
            #expect(!opcodes.isEmpty)
            #expect(!opcodes.contains("OpenEphemeral"), "\(sql)")
        }
    }
}
