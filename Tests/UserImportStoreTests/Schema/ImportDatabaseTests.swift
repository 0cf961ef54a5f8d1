import Testing
import UserImportCore

@testable import UserImportStore

struct ImportDatabaseTests {
    static let userColumns = """
        (email, first_name, last_name, alternate_id, work_phone, title, department, state, created_at, updated_at,
         last_import_id)
        """

    @Test func migratesAFreshFileToTheLatestVersion() throws {
        let file = try StoreTestDatabase()
        let database = try file.open()
        #expect(try database.schemaVersion == Int64(Migrations.all.count))
        let tables = try database.connection.texts(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        #expect(
            tables == [
                "held_actions", "import_row_chunks", "imports", "lineage_keys", "lineage_progress", "outbox",
                "outbox_blocks", "user_search", "user_search_config", "user_search_content",
                "user_search_data", "user_search_docsize", "user_search_idx", "user_search_progress", "users",
            ])
        #expect(try database.connection.texts("PRAGMA journal_mode") == ["wal"])
    }

    @Test func reopeningDoesNotRerunMigrations() throws {
        let file = try StoreTestDatabase()
        try file.open().connection.execute(
            "INSERT INTO users \(Self.userColumns) VALUES ('a@example.com', 'A', 'B', '', '', '', '', 'invited', 1, 1, 1)"
        )
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
    /// version 2 rebuilds the two tables and version 3 rebuilds users with a rowid.
    @Test func laterVersionsKeepTheDataOfVersion1() throws {
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
                INSERT INTO users VALUES ('b@example.com', 'C', 'D', '', '', '', '', 'invited', 3, 3, 1);
                INSERT INTO outbox (import_id, line, kind, email, first_name, last_name, created_at)
                VALUES (1, 2, 'invitation', 'a@example.com', 'A', 'B', 1);
                """)
        }
        let database = try file.open()
        #expect(try database.schemaVersion == Int64(Migrations.all.count))
        #expect(
            try database.connection.texts(
                "SELECT email || ' ' || state || ' ' || title || ' ' || created_at || ' ' || updated_at FROM users"
            )
                == ["a@example.com active T 1 2", "b@example.com invited  3 3"])
        #expect(throws: SQLiteError.self) {
            try database.connection.execute(
                "INSERT INTO users \(Self.userColumns) VALUES ('a@example.com', 'A', 'B', '', '', '', '', 'invited', 1, 1, 1)"
            )
        }
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
        // Version 6 rebuilt imports, which the outbox refers to: the import and the reference stay,
        // and the new disposition is allowed where no unknown one is.
        #expect(
            try database.connection.texts("SELECT id || ' ' || file_name || ' ' || disposition FROM imports")
                == ["1 a.csv done"])
        #expect(try database.connection.texts("PRAGMA foreign_key_check").isEmpty)
        try database.connection.execute("UPDATE imports SET disposition = 'held'")
        #expect(throws: SQLiteError.self) {
            try database.connection.execute("UPDATE imports SET disposition = 'lost'")
        }
        #expect(throws: SQLiteError.self) {
            try database.connection.execute(
                "INSERT INTO held_actions (import_id, action, by_uid, at) VALUES (1, 'undo', 0, 1)")
        }
        #expect(try database.integrityCheck() == ["ok"])
    }

    /// A `CHECK (x IN (…))` of three values rebuilds a temporary B-tree on every insert; the bulk
    /// path's statements must compile without one.
    @Test func bulkInsertsNeedNoTemporaryTable() throws {
        let database = try StoreTestDatabase().open()
        for sql in [
            "INSERT INTO users \(Self.userColumns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
            "INSERT INTO outbox (import_id, line, kind, email, first_name, last_name, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?)",
            RowResultWriter.insertSQL,
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

    /// A database as a version-2 build left it: its own rows in `import_rows`.
    static func version2(
        _ file: StoreTestDatabase, rows: [Int64: [RowResult]],
        outcome: (RowResult) -> String = {
            $0.outcome.rawValue
        }
    ) throws {
        let old = try SQLiteConnection(path: file.path)
        try old.execute(Migrations.all[0].sql)
        try old.execute(Migrations.all[1].sql)
        try old.execute("PRAGMA user_version = 2")
        let insertImport = try old.prepare(
            """
            INSERT INTO imports (id, file_name, work_name, sha256, size, received_at, started_at, finished_at,
                                 disposition)
            VALUES (?, 'a.csv', x'612E637376', 'x', 1, 1, 1, 1, 'done')
            """)
        let insertRow = try old.prepare(
            "INSERT INTO import_rows (import_id, line, email, status, outcome, reason) VALUES (?, ?, ?, ?, ?, ?)"
        )
        for id in Int64(1)...4 { try insertImport.run(.int(id)) }
        // Newest first and lines backwards: the step must not depend on insertion order.
        for (id, results) in rows.sorted(by: { $0.key > $1.key }) {
            for row in results.reversed() {
                try insertRow.run(
                    .int(id), .int(Int64(row.line)), .text(row.email), .text(row.status), .text(outcome(row)),
                    .text(row.reason))
            }
        }
    }

    /// Every outcome, empty and non-ASCII text, a long reason, and some lines far apart.
    static func sampleRows(count: Int, from first: Int) -> [RowResult] {
        var line = first
        return (0..<count).map { index in
            defer { line += index % 7 == 6 ? 1_000 : 1 }
            return RowResult(
                line: line, email: "user\(index)@exämple.com", status: index % 3 == 0 ? "" : "New",
                outcome: RowOutcome.allCases[index % RowOutcome.allCases.count],
                reason: index == 5 ? String(repeating: "é", count: 10_000) : "reason \(index)")
        }
    }

    /// Version 4 moves every row result of `import_rows` into chunks, exactly, and drops the table.
    @Test func version4CarriesTheRowsOfVersion2IntoChunks() throws {
        let file = try StoreTestDatabase()
        let rows: [Int64: [RowResult]] = [
            1: Self.sampleRows(count: RowChunkMigration.rowsPerChunk + 5, from: 2),
            2: [RowResult(line: 2, email: "", status: "", outcome: .ignored, reason: "")],
            4: Self.sampleRows(count: 3, from: 1_000_000_000),
        ]
        try Self.version2(file, rows: rows)
        let database = try file.open()
        #expect(try database.schemaVersion == Int64(Migrations.all.count))
        let history = ImportHistory(database: database)
        for id in Int64(1)...4 {
            let cursor = try history.rows(importID: id)
            let read = Array(cursor)
            let want = rows[id] ?? []
            #expect(read.count == want.count, "import \(id)")
            #expect(
                read == want,
                "import \(id): first difference at \(zip(read, want).enumerated().first { $1.0 != $1.1 }?.offset ?? -1)"
            )
            #expect(cursor.failure == nil)
        }
        #expect(
            try database.connection.texts(
                "SELECT import_id || ' ' || first_line || ' ' || row_count FROM import_row_chunks")
                == [
                    "1 2 \(RowChunkMigration.rowsPerChunk)",
                    "1 \(rows[1]?[RowChunkMigration.rowsPerChunk].line ?? 0) 5", "2 2 1", "4 1000000000 3",
                ])
        #expect(
            try database.connection.texts("SELECT name FROM sqlite_master WHERE name = 'import_rows'").isEmpty
        )
        #expect(try database.integrityCheck() == ["ok"])
        #expect(try database.connection.texts("PRAGMA foreign_key_check").isEmpty)
    }

    /// The step runs inside the migration's transaction: when it cannot read a row, nothing of
    /// version 4 stays and the database is still the version-3 one (version 3 only rebuilt users).
    @Test func aRowVersion4CannotCarryLeavesVersion3AsItWas() throws {
        let file = try StoreTestDatabase()
        let rows = Self.sampleRows(count: 10, from: 2)
        try Self.version2(file, rows: [1: rows]) { $0.line == rows[9].line ? "lost" : $0.outcome.rawValue }
        #expect(throws: StoreError.self) { try file.open() }
        let old = try SQLiteConnection(path: file.path)
        #expect(try old.scalar("PRAGMA user_version") == 3)
        #expect(try old.scalar("SELECT count(*) FROM import_rows") == 10)
        #expect(try old.texts("SELECT name FROM sqlite_master WHERE name = 'import_row_chunks'").isEmpty)
    }
}
