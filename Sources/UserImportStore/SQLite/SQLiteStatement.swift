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
    /// `bind`, which rebinds every parameter, and bindings are cleared before it moves.
    private var arena: UnsafeMutableRawPointer?
    private var arenaCapacity = 0

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
    }

    deinit {
        sqlite3_finalize(handle)
        arena?.deallocate()
    }

    /// Resets the statement and binds `values` to parameters 1…n; parameters past n are NULL.
    public func bind(_ values: [SQLiteValue]) throws {
        sqlite3_reset(handle)
        if Int(sqlite3_bind_parameter_count(handle)) > values.count { sqlite3_clear_bindings(handle) }
        var needed = 0
        for value in values {
            switch value {
            case .text(let text): needed += text.utf8.count
            case .blob(let bytes): needed += bytes.count
            case .int, .null: break
            }
        }
        let arena = reserveArena(needed)
        var used = 0
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .int(let number): code = sqlite3_bind_int64(handle, index, number)
            case .null: code = sqlite3_bind_null(handle, index)
            case .blob(let bytes):
                let start = arena + used
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { start.copyMemory(from: base, byteCount: raw.count) }
                }
                used += bytes.count
                code = sqlite3_bind_blob(handle, index, start, Int32(bytes.count), Self.static)
            case .text(let text):
                let start = arena + used
                let count = Self.copyUTF8(of: text, to: start)
                used += count
                code = sqlite3_bind_text(
                    handle, index, start.assumingMemoryBound(to: CChar.self), Int32(count), Self.static)
            }
            guard code == SQLITE_OK else {
                throw SQLiteError(code: code, connection: connection.handle, sql: sql)
            }
        }
    }

    // SQLITE_STATIC is a macro Swift cannot import: the bytes stay valid until the next bind.
    private static let `static` = unsafeBitCast(0, to: sqlite3_destructor_type.self)

    /// The arena with room for `count` bytes (at least one, so the pointer is never null).
    private func reserveArena(_ count: Int) -> UnsafeMutableRawPointer {
        if let arena, arenaCapacity >= count { return arena }
        // Nothing bound may point into the old arena once it is freed.
        sqlite3_clear_bindings(handle)
        arena?.deallocate()
        arenaCapacity = max(count, 2 * arenaCapacity, 256)
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: arenaCapacity, alignment: 8)
        arena = fresh
        return fresh
    }

    private static func copyUTF8(of text: String, to start: UnsafeMutableRawPointer) -> Int {
        if let count = text.utf8.withContiguousStorageIfAvailable({ bytes -> Int in
            if let base = bytes.baseAddress { start.copyMemory(from: base, byteCount: bytes.count) }
            return bytes.count
        }) {
            return count
        }
        var count = 0
        for byte in text.utf8 {
            start.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
            count += 1
        }
        return count
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
