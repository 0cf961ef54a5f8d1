import CSQLite

/// One connection to one database file; the thin wrapper HOUSE_STYLE asks for.
///
/// Not Sendable: a connection belongs to one task (one per database file per process).
public final class SQLiteConnection {
    let handle: OpaquePointer
    public let path: String

    /// Process-wide settings, applied once before the first open.
    private static let configured: Bool = {
        userimport_sqlite3_disable_memstatus() == SQLITE_OK
    }()

    public init(path: String, readOnly: Bool = false) throws {
        _ = Self.configured
        var pointer: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
            | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &pointer, flags, nil)
        guard code == SQLITE_OK, let pointer else {
            let error = SQLiteError(code: code, connection: pointer)
            sqlite3_close_v2(pointer)
            throw error
        }
        self.handle = pointer
        self.path = path
        sqlite3_extended_result_codes(pointer, 1)
        // Writers hold the lock for one file's transaction; readers (userimportctl) wait instead of failing.
        sqlite3_busy_timeout(pointer, 5000)
    }

    deinit {
        sqlite3_progress_handler(handle, 0, nil, nil)
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if let message { sqlite3_free(message) }
        guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: handle, sql: sql) }
    }

    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    private final class ProgressBox {
        let body: () -> Void

        init(_ body: @escaping () -> Void) {
            self.body = body
        }
    }

    private var progress: ProgressBox?

    /// Calls `body` every `instructions` virtual-machine steps, also inside one long statement
    /// (a COMMIT of a million rows): the daemon's heartbeat for its watchdog.
    public func onProgress(every instructions: Int32, _ body: @escaping () -> Void) {
        let box = ProgressBox(body)
        progress = box
        sqlite3_progress_handler(
            handle, instructions,
            { context in
                guard let context else { return 0 }
                Unmanaged<ProgressBox>.fromOpaque(context).takeUnretainedValue().body()
                return 0
            }, Unmanaged.passUnretained(box).toOpaque())
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows the last INSERT, UPDATE or DELETE changed.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// `BEGIN IMMEDIATE` … `COMMIT`, rolled back when `body` throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try run(body, after: "BEGIN IMMEDIATE")
    }

    /// Runs `body` in one read transaction, so that its statements see one snapshot of the file
    /// (`BEGIN`, deferred: it works on a read-only connection and takes no write lock). Inside a
    /// transaction already open, `body` simply runs in that one.
    public func reading<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction { return try body() }
        return try run(body, after: "BEGIN")
    }

    /// `begin`, then `body`, then COMMIT; ROLLBACK when `body` throws.
    private func run<T>(_ body: () throws -> T, after begin: String) throws -> T {
        try execute(begin)
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// The first column of the first row, as an integer; nil when there is no row or it is NULL.
    public func scalar(_ sql: String, _ values: SQLiteValue...) throws -> Int64? {
        try scalar(sql, values)
    }

    public func scalar(_ sql: String, _ values: [SQLiteValue]) throws -> Int64? {
        let statement = try prepare(sql)
        try statement.bind(values)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int(0)
    }

    /// Each row's first column as text (used for PRAGMA checks and small lookups).
    public func texts(_ sql: String) throws -> [String] {
        let statement = try prepare(sql)
        var result: [String] = []
        while try statement.step() { result.append(statement.text(0)) }
        return result
    }
}
