import CSQLite

/// A value bound to a statement parameter.
public enum SQLiteValue: Sendable, Equatable {
    case int(Int64)
    case text(String)
    case blob([UInt8])
    case null

    public static func optionalText(_ value: String?) -> SQLiteValue { value.map(SQLiteValue.text) ?? .null }
    public static func optionalInt(_ value: Int64?) -> SQLiteValue { value.map(SQLiteValue.int) ?? .null }
}

/// A prepared statement; prepare once, bind and step many times (the bulk path).
public final class SQLiteStatement {
    private let connection: SQLiteConnection
    private let handle: OpaquePointer
    private let sql: String

    /// Bound text and blobs are copied here and bound as static: SQLite would otherwise allocate
    /// and copy each value again (SQLITE_TRANSIENT), seven allocations per row on the bulk path.
    /// SQLite keeps pointing into the arena after the step, so it is only reused by the next
    /// bind, which rebinds every parameter; it never moves while anything is bound to it. A value
    /// that does not fit is bound as transient, and the arena grows before the next bind.
    private var arena: UnsafeMutableRawPointer?
    private var arenaCapacity = 0
    private var arenaUsed = 0
    /// The bytes the last bind wanted in the arena, fitting or not.
    private var arenaWanted = 0
    private let parameterCount: Int

    init(connection: SQLiteConnection, sql: String) throws {
        var pointer: OpaquePointer?
        let code = sqlite3_prepare_v3(
            connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard code == SQLITE_OK, let pointer else {
            throw SQLiteError(code: code, connection: connection.handle, sql: sql)
        }
        self.connection = connection
        self.handle = pointer
        self.sql = sql
        self.parameterCount = Int(sqlite3_bind_parameter_count(pointer))
    }

    deinit {
        sqlite3_finalize(handle)
        arena?.deallocate()
    }

    /// Resets the statement and binds `values` to parameters 1…n; parameters past n are NULL.
    public func bind(_ values: [SQLiteValue]) throws {
        try bind { parameters in
            for value in values { try parameters.append(value) }
        }
    }

    /// Resets the statement and binds what `body` appends to parameters 1…n; parameters past n are
    /// NULL. The bulk path binds its columns here one by one: an array of values per row costs
    /// more than the insert itself.
    public func bind(_ body: (inout Parameters) throws -> Void) throws {
        sqlite3_reset(handle)
        if arenaWanted > arenaCapacity { growArena(to: arenaWanted) }
        arenaUsed = 0
        arenaWanted = 0
        var parameters = Parameters(statement: self)
        do {
            try body(&parameters)
        } catch {
            // The parameters not reached still point into the arena this bind began to reuse.
            sqlite3_clear_bindings(handle)
            throw error
        }
        if parameters.count < parameterCount {
            for index in (parameters.count + 1)...parameterCount {
                try check(sqlite3_bind_null(handle, Int32(index)))
            }
        }
    }

    /// The values of one bind, in parameter order.
    public struct Parameters {
        fileprivate let statement: SQLiteStatement
        fileprivate var count = 0

        public mutating func text(_ text: String) throws {
            try statement.bindText(text, at: next())
        }

        public mutating func int(_ number: Int64) throws {
            try statement.check(sqlite3_bind_int64(statement.handle, next(), number))
        }

        public mutating func append(_ value: SQLiteValue) throws {
            switch value {
            case .int(let number): try int(number)
            case .text(let value): try text(value)
            case .null: try statement.check(sqlite3_bind_null(statement.handle, next()))
            case .blob(let bytes): try statement.bindBlob(bytes, at: next())
            }
        }

        /// The index of the parameter bound next.
        private mutating func next() -> Int32 {
            count += 1
            return Int32(count)
        }
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else {
            throw SQLiteError(code: code, connection: connection.handle, sql: sql)
        }
    }

    private func bindText(_ text: String, at index: Int32) throws {
        let bound: Void? = try text.utf8.withContiguousStorageIfAvailable { bytes in
            try bindText(UnsafeRawBufferPointer(bytes), at: index)
        }
        if bound == nil {
            var copy = text
            try copy.withUTF8 { try bindText(UnsafeRawBufferPointer($0), at: index) }
        }
    }

    private func bindText(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            // An empty text still needs a pointer: a null one would bind NULL.
            return try check(sqlite3_bind_text(handle, index, "", 0, Self.transient))
        }
        let (pointer, destructor) = bindable(base, count: bytes.count)
        try check(
            sqlite3_bind_text(
                handle, index, pointer.assumingMemoryBound(to: CChar.self), Int32(bytes.count), destructor))
    }

    private func bindBlob(_ bytes: [UInt8], at index: Int32) throws {
        try bytes.withUnsafeBytes { raw in
            // A null pointer would bind NULL, not an empty blob.
            guard let base = raw.baseAddress, !raw.isEmpty else {
                return try check(sqlite3_bind_zeroblob(handle, index, 0))
            }
            let (pointer, destructor) = bindable(base, count: raw.count)
            try check(sqlite3_bind_blob(handle, index, pointer, Int32(raw.count), destructor))
        }
    }

    /// Where `count` bytes at `base` are bound from: their copy in the arena, bound as static, or,
    /// when the arena has no room for them, the bytes themselves, bound as transient (SQLite
    /// copies them before the bind returns).
    private func bindable(_ base: UnsafeRawPointer, count: Int) -> (
        UnsafeRawPointer, sqlite3_destructor_type?
    ) {
        arenaWanted += count
        guard let arena, arenaCapacity - arenaUsed >= count else { return (base, Self.transient) }
        let start = arena + arenaUsed
        arenaUsed += count
        start.copyMemory(from: base, byteCount: count)
        return (UnsafeRawPointer(start), Self.static)
    }

    // SQLITE_STATIC and SQLITE_TRANSIENT are macros Swift cannot import. Computed, not stored:
    // a stored static is checked for its one-time initialisation at every use.
    private static var `static`: sqlite3_destructor_type? { nil }
    private static var transient: sqlite3_destructor_type? {
        unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    }

    private func growArena(to count: Int) {
        // Nothing bound may point into the old arena once it is freed.
        sqlite3_clear_bindings(handle)
        arena?.deallocate()
        arenaCapacity = max(count, 2 * arenaCapacity, 256)
        arena = UnsafeMutableRawPointer.allocate(byteCount: arenaCapacity, alignment: 8)
    }

    public func bind(_ values: SQLiteValue...) throws {
        try bind(values)
    }

    /// Advances; true when a row is available.
    @discardableResult
    public func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            sqlite3_reset(handle)
            throw SQLiteError(code: code, connection: connection.handle, sql: sql)
        }
    }

    /// Binds, runs to completion, and resets: for INSERT/UPDATE/DELETE.
    public func run(_ values: SQLiteValue...) throws {
        try run(values)
    }

    public func run(_ values: [SQLiteValue]) throws {
        try bind(values)
        try runBound()
    }

    /// Runs what was bound to completion, and resets.
    public func runBound() throws {
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Releases the statement's read snapshot; call after reading what was needed.
    public func reset() {
        sqlite3_reset(handle)
    }

    public func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    public func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    public func blob(_ column: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    public func optionalInt(_ column: Int32) -> Int64? { isNull(column) ? nil : int(column) }
}
