import UserImportCore

/// The user directory inside the import's transaction: one prepared statement per kind of write.
public struct SQLiteUserDirectory: UserDirectory, RowResultSink {
    private let importID: Int64
    private let now: Int64
    private let select: SQLiteStatement
    private let upsert: SQLiteStatement
    private let enqueue: SQLiteStatement
    private let insertRow: SQLiteStatement

    public init(database: ImportDatabase, importID: Int64, now: Timestamp) throws {
        let connection = database.connection
        self.importID = importID
        self.now = now.millisecondsSinceEpoch
        select = try connection.prepare(UserQueries.selectByEmail)
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
        enqueue = try connection.prepare(
            """
            INSERT INTO outbox (import_id, line, kind, email, first_name, last_name, created_at, next_attempt_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
            """)
        insertRow = try connection.prepare(
            "INSERT INTO import_rows (import_id, line, email, status, outcome, reason) VALUES (?, ?, ?, ?, ?, ?)"
        )
    }

    public mutating func user(email: String) throws -> StoredUser? {
        try UserQueries.user(email: email, using: select)
    }

    public mutating func store(_ user: StoredUser, previous: StoredUser?) throws {
        let p = user.profile
        try upsert.run(
            .text(user.email), .text(p.firstName), .text(p.lastName), .text(p.alternateID),
            .text(p.workPhone),
            .text(p.title), .text(p.department), .text(user.state.rawValue), .int(now), .int(importID))
    }

    public mutating func queue(_ notification: NotificationKind, for user: StoredUser, line: Int) throws {
        try enqueue.run(
            .int(importID), .int(Int64(line)), .text(notification.rawValue), .text(user.email),
            .text(user.profile.firstName), .text(user.profile.lastName), .int(now))
    }

    public mutating func record(_ result: RowResult) throws {
        try insertRow.run(
            .int(importID), .int(Int64(result.line)), .text(result.email), .text(result.status),
            .text(result.outcome.rawValue), .text(result.reason))
    }
}

/// The directory as a dry run sees it: reads the database, keeps its own changes in memory.
///
/// Used by `validate` and to list what a strict-mode failure would have done. Memory grows with
/// the number of distinct users the file touches (a dry run of a huge file is a rare, manual act).
public struct DryRunUserDirectory: UserDirectory {
    private let select: SQLiteStatement
    private var overlay: [String: StoredUser] = [:]

    public init(database: ImportDatabase) throws {
        select = try database.connection.prepare(UserQueries.selectByEmail)
    }

    public mutating func user(email: String) throws -> StoredUser? {
        if let changed = overlay[email] { return changed }
        return try UserQueries.user(email: email, using: select)
    }

    public mutating func store(_ user: StoredUser, previous: StoredUser?) throws {
        overlay[user.email] = user
    }

    public mutating func queue(_ notification: NotificationKind, for user: StoredUser, line: Int) throws {}
}

/// Collects row results in memory (dry runs).
public struct CollectedRows: RowResultSink {
    public private(set) var rows: [RowResult] = []

    public init() {}

    public mutating func record(_ result: RowResult) throws {
        rows.append(result)
    }
}

enum UserQueries {
    static let columns = "email, first_name, last_name, alternate_id, work_phone, title, department, state"
    static let selectByEmail = "SELECT \(columns) FROM users WHERE email = ?"

    static func user(email: String, using statement: SQLiteStatement) throws -> StoredUser? {
        try statement.bind(.text(email))
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
