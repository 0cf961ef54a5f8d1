import UserImportCore

/// The user directory inside the import's transaction: one prepared statement per kind of write.
///
/// The rows' results go to a `RowResultWriter`, queued emails to a `SQLiteOutbox`.
///
/// A first load, into a directory empty when the import's transaction began (no other writer
/// can add a user inside it), looks up only the emails this import may have stored already
/// (`EmailBloomFilter`, 1 MiB for the emails of the rows applied in file order, then the largest
/// email since, which answers a large file's rows sorted by email): every other answer is "no such
/// user", known without a probe of the email index.
///
/// Past the filter's capacity, a batch's emails are first asked about as one range of the email
/// index (`storedEmails`): a large file's rows sorted by email come a narrow range at a time, and
/// the few users stored in it answer every email of the batch exactly, where the full filter
/// answered one in fifty with a wrong maybe, each a probe of an index far larger than the cache.
public struct SQLiteUserDirectory: UserDirectory {
    private let importID: Int64
    private let now: Int64
    private let select: SQLiteStatement
    private let selectRange: SQLiteStatement
    private let upsert: SQLiteStatement
    /// Set when the directory was empty at the start: the emails stored since.
    private var added: EmailBloomFilter?
    /// Batches left before a range is asked for again, after one that held too many users.
    private(set) var rangeBackoff = 0

    public init(database: ImportDatabase, importID: Int64, now: Timestamp) throws {
        try self.init(
            database: database, importID: importID, now: now,
            firstLoadFilter: EmailBloomFilter(bitCount: 1 << 23, capacity: Self.firstLoadCapacity))
    }

    /// Every user the rows applied in file order can store (`Importer.sortedBeyond` and the batch
    /// that crosses it): filled inside that last batch, whose users are stored in email order, the
    /// filter's largest email would be near the top of the alphabet, and the sorted rows after it
    /// would each be looked up again.
    public static let firstLoadCapacity = Importer.sortedBeyond + Importer.batchSize

    /// `firstLoadFilter`: the filter a first load starts from (tests give a tiny one).
    public init(database: ImportDatabase, importID: Int64, now: Timestamp, firstLoadFilter: EmailBloomFilter)
        throws
    {
        let connection = database.connection
        self.importID = importID
        self.now = now.millisecondsSinceEpoch
        if try connection.scalar("SELECT NOT EXISTS (SELECT 1 FROM users)") == 1 { added = firstLoadFilter }
        select = try connection.prepare(UserQueries.selectByEmail)
        selectRange = try connection.prepare("SELECT email FROM users WHERE email BETWEEN ?1 AND ?2 LIMIT ?3")
        upsert = try connection.prepare(
            """
            INSERT INTO users (email, first_name, last_name, alternate_id, work_phone, title, department, state,
                               created_at, updated_at, last_import_id)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)
            ON CONFLICT (email) DO UPDATE SET
                first_name = excluded.first_name, last_name = excluded.last_name,
                alternate_id = excluded.alternate_id, work_phone = excluded.work_phone, title = excluded.title,
                department = excluded.department, state = excluded.state, updated_at = excluded.updated_at,
                last_import_id = excluded.last_import_id
            """)
    }

    public mutating func users(emails: [String]) throws -> [StoredUser?] {
        guard let added else { return try emails.map { try UserQueries.user(email: $0, using: select) } }
        let stored = added.isFull ? try storedEmails(among: emails) : nil
        return try emails.map {
            stored?.contains($0) ?? added.mayContain($0)
                ? try UserQueries.user(email: $0, using: select) : nil
        }
    }

    /// The stored emails from the first of `emails` through the last (they are in key order), or
    /// nil when that range holds more than a few times as many: then the batch is spread over the
    /// directory (rows in file order), and the next few batches do not ask.
    private mutating func storedEmails(among emails: [String]) throws -> Set<String>? {
        guard rangeBackoff == 0 else {
            rangeBackoff -= 1
            return nil
        }
        guard let first = emails.first, let last = emails.last else { return [] }
        let limit = Self.rangeUsersPerEmail * emails.count
        try selectRange.bind { row in
            try row.text(first)
            try row.text(last)
            try row.int(Int64(limit) + 1)
        }
        defer { selectRange.reset() }
        var stored = Set<String>()
        while try selectRange.step() {
            guard stored.count < limit else {
                rangeBackoff = Self.rangeBackoffBatches
                return nil
            }
            stored.insert(selectRange.text(0))
        }
        return stored
    }

    static let rangeUsersPerEmail = 4
    static let rangeBackoffBatches = 8

    public mutating func store(_ users: [StoredUser]) throws {
        // Read in place: a user taken out of the array was copied, then freed, field by field.
        try users.withUnsafeBufferPointer { users in
            for index in users.indices { try write(users[index]) }
        }
    }

    private mutating func write(_ user: borrowing StoredUser) throws {
        added?.insert(user.email)
        try upsert.bind { row in
            try UserQueries.append(user, to: &row)
            try row.int(now)
            try row.int(importID)
        }
        try upsert.runBound()
    }

}

/// The import's outbox: queued emails go into outbox blocks (`OutboxBlockWriter`) inside the
/// import's transaction; the importer's `flush` after each batch writes the block still open, so
/// nothing queued is left unwritten when the importer returns.
public struct SQLiteOutbox: NotificationOutbox {
    private let writer: OutboxBlockWriter

    public init(database: ImportDatabase, importID: Int64, now: Timestamp) throws {
        writer = try OutboxBlockWriter(
            connection: database.connection, importID: importID, createdAt: now.millisecondsSinceEpoch)
    }

    public mutating func queue(_ notification: NotificationKind, to recipient: Recipient, line: Int) throws {
        try writer.append(notification, to: recipient, line: line)
    }

    public mutating func queue(_ notification: DecidedRowBytes.Notification, line: Int) throws {
        try writer.append(notification, line: line)
    }

    public mutating func flush() throws {
        try writer.flush()
    }
}

/// The directory as a dry run sees it: reads the database, keeps its own changes in a TEMP table.
///
/// Used by `validate` and to list what a strict-mode failure would have done. TEMP tables work on
/// a read-only connection and spill to disk, so a dry run of a million changes keeps memory flat.
public struct DryRunUserDirectory: UserDirectory {
    private let connection: SQLiteConnection
    private let select: SQLiteStatement
    private let selectChanged: SQLiteStatement
    private let insertChanged: SQLiteStatement

    public init(database: ImportDatabase) throws {
        connection = database.connection
        try connection.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS dry_run_users (
                email TEXT PRIMARY KEY NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
                alternate_id TEXT NOT NULL, work_phone TEXT NOT NULL, title TEXT NOT NULL,
                department TEXT NOT NULL, state TEXT NOT NULL
            ) WITHOUT ROWID;
            DELETE FROM temp.dry_run_users;
            """)
        select = try connection.prepare(UserQueries.selectByEmail)
        selectChanged = try connection.prepare(
            "SELECT \(UserQueries.columns) FROM temp.dry_run_users WHERE email = ?")
        insertChanged = try connection.prepare(
            "INSERT OR REPLACE INTO temp.dry_run_users (\(UserQueries.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
    }

    public mutating func users(emails: [String]) throws -> [StoredUser?] {
        try emails.map {
            try UserQueries.user(email: $0, using: selectChanged)
                ?? UserQueries.user(email: $0, using: select)
        }
    }

    public mutating func store(_ users: [StoredUser]) throws {
        for user in users {
            try insertChanged.bind { try UserQueries.append(user, to: &$0) }
            try insertChanged.runBound()
        }
    }

    /// Forgets the dry run's changes.
    public func discard() throws {
        try connection.execute("DELETE FROM temp.dry_run_users")
    }
}

/// Collects row results in memory (dry runs): a dry run has no import to file them under.
public struct CollectedRows: RowResultSink {
    public private(set) var rows: [RowResult] = []

    public init() {}

    public mutating func record(_ result: RowResult) throws {
        rows.append(result)
    }

    public mutating func finish() throws {}
}

enum UserQueries {
    static let columns = "email, first_name, last_name, alternate_id, work_phone, title, department, state"
    static let selectByEmail = "SELECT \(columns) FROM users WHERE email = ?"

    /// A user's values in the order of `columns`.
    static func append(_ user: StoredUser, to row: inout SQLiteStatement.Parameters) throws {
        try user.forEachColumn { try row.text($0) }
    }

    static func user(email: String, using statement: SQLiteStatement) throws -> StoredUser? {
        try statement.bind { try $0.text(email) }
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return try read(statement)
    }

    /// Reads a row selected with `columns`.
    static func read(_ statement: SQLiteStatement) throws -> StoredUser {
        let stateText = statement.text(7)
        guard let state = UserState(rawValue: stateText) else {
            throw StoreError.corruptRecord("user state \(stateText)")
        }
        return StoredUser(
            email: statement.text(0),
            profile: UserProfile(
                firstName: statement.text(1), lastName: statement.text(2), alternateID: statement.text(3),
                workPhone: statement.text(4), title: statement.text(5), department: statement.text(6)),
            state: state)
    }
}

extension StoredUser {
    /// The user's values in the order of the `users` table's columns (`UserQueries.columns`), one
    /// by one: both backends write a user from here, without an array per user.
    public func forEachColumn(_ body: (String) throws -> Void) rethrows {
        try body(email)
        try body(profile.firstName)
        try body(profile.lastName)
        try body(profile.alternateID)
        try body(profile.workPhone)
        try body(profile.title)
        try body(profile.department)
        try body(state.rawValue)
    }
}
