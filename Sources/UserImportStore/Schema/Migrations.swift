/// Numbered schema migrations, applied in order, each in its own transaction.
///
/// A shipped migration is never edited: a change is a new entry at the end. `step`, when there is
/// one, runs after `sql` in the same transaction, for what SQL cannot say.
enum Migrations {
    static let all: [(version: Int, sql: String, step: (@Sendable (SQLiteConnection) throws -> Void)?)] = [
        (1, version1, nil),
        (2, version2, nil),
        (3, version3, nil),
        (4, version4, RowChunkMigration.carryRowsIntoChunks),
        (5, version5, nil),
        (6, version6, nil),
        (7, version7, nil),
        (8, version8, nil),
        (9, version9, nil),
        (10, version10, nil),
        (11, version11, nil),
        (12, version12, nil),
    ]

    private static let version1 = """
        CREATE TABLE users (
            email TEXT PRIMARY KEY NOT NULL,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            alternate_id TEXT NOT NULL DEFAULT '',
            work_phone TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            department TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state IN ('invited', 'active', 'deleted')),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            last_import_id INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            file_name TEXT NOT NULL,
            work_name BLOB NOT NULL,
            publish_attempt INTEGER NOT NULL DEFAULT 0,
            path TEXT,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            owner_uid INTEGER,
            received_at INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER NOT NULL,
            disposition TEXT NOT NULL CHECK (disposition IN ('done', 'failed', 'duplicate')),
            duplicate_of INTEGER REFERENCES imports (id),
            error TEXT,
            encoding TEXT,
            delimiter TEXT,
            headers TEXT NOT NULL DEFAULT '[]',
            warnings TEXT NOT NULL DEFAULT '[]',
            rows_total INTEGER NOT NULL DEFAULT 0,
            created INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            activated INTEGER NOT NULL DEFAULT 0,
            ignored INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            published INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX imports_done_sha256 ON imports (sha256) WHERE disposition = 'done';
        CREATE INDEX imports_unpublished ON imports (id) WHERE published = 0;

        CREATE TABLE import_rows (
            import_id INTEGER NOT NULL REFERENCES imports (id),
            line INTEGER NOT NULL,
            email TEXT NOT NULL,
            status TEXT NOT NULL,
            outcome TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (import_id, line)
        ) WITHOUT ROWID;

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES imports (id),
            line INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('invitation', 'activation')),
            email TEXT NOT NULL,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            next_attempt_at INTEGER,
            sent_at INTEGER,
            last_error TEXT,
            UNIQUE (import_id, line)
        );
        CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';
        """

    /// `CHECK (x IN ('a', 'b', 'c'))` builds a temporary B-tree for the list on every INSERT
    /// (three or more values), which cost a third of a bulk import's time in the users and outbox
    /// tables. The same checks written with OR compile to plain comparisons. SQLite cannot alter
    /// a constraint, so both tables are rebuilt (columns and contents unchanged).
    private static let version2 = """
        CREATE TABLE users_v2 (
            email TEXT PRIMARY KEY NOT NULL,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            alternate_id TEXT NOT NULL DEFAULT '',
            work_phone TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            department TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state = 'invited' OR state = 'active' OR state = 'deleted'),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            last_import_id INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO users_v2 SELECT * FROM users;
        DROP TABLE users;
        ALTER TABLE users_v2 RENAME TO users;

        CREATE TABLE outbox_v2 (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES imports (id),
            line INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind = 'invitation' OR kind = 'activation'),
            email TEXT NOT NULL,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state = 'pending' OR state = 'sent' OR state = 'failed'),
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            next_attempt_at INTEGER,
            sent_at INTEGER,
            last_error TEXT,
            UNIQUE (import_id, line)
        );
        INSERT INTO outbox_v2 SELECT * FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_v2 RENAME TO outbox;
        CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';
        """

    /// Users keyed by a rowid with a unique index on email, instead of a table keyed by email.
    /// A bulk import of new users then appends rows at the end of the table and inserts only
    /// the short (email, rowid) entries into a sorted index, instead of splitting the pages of a
    /// B-tree of whole user rows everywhere: 1M new users took 4.2 s of SQLite time before and
    /// 2.9 s after, measured in the sqlite3 shell. Lookups by email go through the index.
    private static let version3 = """
        CREATE TABLE users_v3 (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            alternate_id TEXT NOT NULL DEFAULT '',
            work_phone TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            department TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state = 'invited' OR state = 'active' OR state = 'deleted'),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            last_import_id INTEGER NOT NULL
        );
        INSERT INTO users_v3 (email, first_name, last_name, alternate_id, work_phone, title, department, state,
                              created_at, updated_at, last_import_id)
        SELECT email, first_name, last_name, alternate_id, work_phone, title, department, state,
               created_at, updated_at, last_import_id
        FROM users ORDER BY created_at, email;
        DROP TABLE users;
        ALTER TABLE users_v3 RENAME TO users;
        """

    /// One row per row result cost a large import a sixth of its time; the results move into
    /// chunks of consecutive rows (`RowChunk`). The step carries `import_rows` over and drops it.
    private static let version4 = """
        CREATE TABLE import_row_chunks (
            import_id INTEGER NOT NULL REFERENCES imports (id),
            first_line INTEGER NOT NULL,
            row_count INTEGER NOT NULL,
            rows BLOB NOT NULL,
            PRIMARY KEY (import_id, first_line)
        ) WITHOUT ROWID;
        """

    /// Queued emails as blocks of consecutive entries, one blob each (`OutboxBlock`): an outbox row
    /// per email, with its two indexes, cost a fifth of a million-row import. The delivery loop
    /// expands blocks into `outbox` rows as it needs them, keeping the ids given at queue time.
    private static let version5 = """
        CREATE TABLE outbox_blocks (
            first_id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES imports (id),
            entry_count INTEGER NOT NULL CHECK (entry_count > 0),
            expanded INTEGER NOT NULL DEFAULT 0 CHECK (expanded >= 0 AND expanded < entry_count),
            created_at INTEGER NOT NULL,
            entries BLOB NOT NULL
        );
        """

    /// The mass-change guard: disposition `held` (SQLite cannot alter a CHECK, so `imports` is
    /// rebuilt, its columns and contents kept, its indexes made again), who released or rejected a
    /// held file and when, the links between a held import and the import that released it, and
    /// `held_actions`: a decision taken but not yet carried out, which a restart finishes.
    private static let version6 = """
        CREATE TABLE imports_v6 (
            id INTEGER PRIMARY KEY,
            file_name TEXT NOT NULL,
            work_name BLOB NOT NULL,
            publish_attempt INTEGER NOT NULL DEFAULT 0,
            path TEXT,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            owner_uid INTEGER,
            received_at INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER NOT NULL,
            disposition TEXT NOT NULL
                CHECK (disposition = 'done' OR disposition = 'failed' OR disposition = 'duplicate'
                       OR disposition = 'held'),
            duplicate_of INTEGER REFERENCES imports (id),
            error TEXT,
            encoding TEXT,
            delimiter TEXT,
            headers TEXT NOT NULL DEFAULT '[]',
            warnings TEXT NOT NULL DEFAULT '[]',
            rows_total INTEGER NOT NULL DEFAULT 0,
            created INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            activated INTEGER NOT NULL DEFAULT 0,
            ignored INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            published INTEGER NOT NULL DEFAULT 0,
            release_of INTEGER REFERENCES imports (id),
            released_as INTEGER REFERENCES imports (id),
            decided_by_uid INTEGER,
            decided_by_name TEXT,
            decided_at INTEGER
        );
        INSERT INTO imports_v6 (id, file_name, work_name, publish_attempt, path, sha256, size, owner_uid,
            received_at, started_at, finished_at, disposition, duplicate_of, error, encoding, delimiter,
            headers, warnings, rows_total, created, updated, unchanged, deleted, activated, ignored,
            rejected, published)
        SELECT id, file_name, work_name, publish_attempt, path, sha256, size, owner_uid,
            received_at, started_at, finished_at, disposition, duplicate_of, error, encoding, delimiter,
            headers, warnings, rows_total, created, updated, unchanged, deleted, activated, ignored,
            rejected, published
        FROM imports;
        DROP TABLE imports;
        ALTER TABLE imports_v6 RENAME TO imports;
        CREATE INDEX imports_done_sha256 ON imports (sha256) WHERE disposition = 'done';
        CREATE INDEX imports_unpublished ON imports (id) WHERE published = 0;
        CREATE INDEX imports_held ON imports (id) WHERE disposition = 'held' AND released_as IS NULL;

        CREATE TABLE held_actions (
            import_id INTEGER PRIMARY KEY REFERENCES imports (id),
            action TEXT NOT NULL CHECK (action = 'release' OR action = 'reject'),
            by_uid INTEGER NOT NULL,
            by_name TEXT,
            at INTEGER NOT NULL
        );
        """

    /// Undo: an undo is an import of its own that names the import it reverses (`undo_of`; the
    /// unique index makes "undone once" the database's rule too), and a queued email of an undone
    /// creation is `cancelled` (the outbox is rebuilt for that CHECK, columns and contents kept).
    private static let version7 = """
        ALTER TABLE imports ADD COLUMN undo_of INTEGER REFERENCES imports (id);
        CREATE UNIQUE INDEX imports_undo_of ON imports (undo_of) WHERE undo_of IS NOT NULL;

        CREATE TABLE outbox_v7 (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES imports (id),
            line INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind = 'invitation' OR kind = 'activation'),
            email TEXT NOT NULL,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state = 'pending' OR state = 'sent' OR state = 'failed' OR state = 'cancelled'),
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            next_attempt_at INTEGER,
            sent_at INTEGER,
            last_error TEXT,
            UNIQUE (import_id, line)
        );
        INSERT INTO outbox_v7 SELECT * FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_v7 RENAME TO outbox;
        CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';
        """

    /// Duplicates are found by hash before a row is read, whenever an earlier done import has the
    /// file's size: this answers that question without a scan of years of history.
    private static let version8 = """
        CREATE INDEX imports_done_size ON imports (size) WHERE disposition = 'done';
        """

    /// Retention: an import whose row results ([History] KeepRowResults) were pruned keeps its
    /// row and says when they went; the partial index finds the next import to prune without a
    /// scan of years of history.
    private static let version9 = """
        ALTER TABLE imports ADD COLUMN rows_pruned_at INTEGER;
        CREATE INDEX imports_rows_kept ON imports (finished_at) WHERE rows_pruned_at IS NULL;
        """

    /// Pruning marks an import before its first chunk goes (an undo is refused from then on) and
    /// finishes the import it marked last before it starts another: this finds that one.
    private static let version10 = """
        CREATE INDEX imports_rows_pruned ON imports (rows_pruned_at) WHERE rows_pruned_at IS NOT NULL;
        """

    /// `user EMAIL` without a scan of years of row results: which chunks hold rows naming an
    /// address, by a key of the address (`LineageKey`), filled while the daemon is idle
    /// (`LineageIndexing`). Every import already here is indexed by the first idle moments after
    /// the upgrade; until then its chunks are scanned as before.
    private static let version11 = """
        ALTER TABLE imports ADD COLUMN lineage_indexed_at INTEGER;
        CREATE INDEX imports_lineage_pending ON imports (id) WHERE lineage_indexed_at IS NULL;
        CREATE TABLE lineage_keys (
            email_key INTEGER NOT NULL,
            import_id INTEGER NOT NULL,
            first_line INTEGER NOT NULL,
            PRIMARY KEY (email_key, import_id, first_line)
        ) WITHOUT ROWID;
        CREATE TABLE lineage_progress (
            import_id INTEGER PRIMARY KEY REFERENCES imports (id),
            after_line INTEGER NOT NULL
        );
        """

    /// `users --search` without reading every user: a trigram index of each user's email and names
    /// (`UserSearchIndexing`), filled while the daemon is idle, never by an import. It covers the
    /// users as of every import up to `through_import`; `users_after` is the users not read yet on
    /// a first pass over a directory that existed before the index (NULL once done, and at once
    /// on a new database). Until then a search reads the whole directory as before.
    private static let version12 = """
        CREATE VIRTUAL TABLE user_search USING fts5(text, tokenize = 'trigram', detail = 'none');
        CREATE TABLE user_search_progress (
            through_import INTEGER NOT NULL,
            after_line INTEGER NOT NULL,
            users_after INTEGER
        );
        INSERT INTO user_search_progress (through_import, after_line, users_after)
        SELECT (SELECT coalesce(max(id), 0) FROM imports), 0,
               CASE WHEN EXISTS (SELECT 1 FROM users) THEN 0 END;
        """
}
