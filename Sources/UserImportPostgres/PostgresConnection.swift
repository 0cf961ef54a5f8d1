import CLibPQ
import Glibc

/// One libpq connection: statements with text parameters in, rows of texts out.
///
/// Text in both directions, as `psql` does: every value the store keeps is text or a 64-bit
/// integer, and text keeps the adapter free of libpq's binary formats. Not thread-safe: one
/// connection per thread, as with `SQLiteConnection`.
public final class PostgresConnection {
    private let handle: OpaquePointer
    /// The statement of a COPY sent by `copyWithoutWaiting` whose result is not read yet: every
    /// other use of the connection reads it first (`settle`), and throws its error.
    private var unsettled: String?

    /// Connects with a libpq connection string (`host=/run/postgresql dbname=userimport`, or a
    /// `postgresql://` URL). The password comes from a passfile or the environment libpq reads,
    /// never from the string the configuration holds.
    public convenience init(url: String) throws {
        var connection = try Self.connect(url)
        if case .failure(let message) = connection {
            // libpq's message does not say whether to wait: asking the server does. No answer,
            // or "starting up", is worth waiting for; an answer that refused us is not.
            switch PQping(url) {
            case PQPING_OK: break
            // A connection string libpq cannot use (a misspelt keyword) is the configuration's.
            case PQPING_NO_ATTEMPT: throw PostgresError(.refused, message: message)
            default: throw PostgresError(.unreachable, message: message)
            }
            // A server that answers now may have been down a moment ago (it was restarting
            // between the two): only a second refusal from a server that is up is a refusal.
            connection = try Self.connect(url)
        }
        switch connection {
        case .failure(let message):
            throw PostgresError(PQping(url) == PQPING_OK ? .refused : .unreachable, message: message)
        case .success(let handle): try self.init(connected: handle)
        }
    }

    private enum Attempt {
        case success(OpaquePointer)
        case failure(String)
    }

    private static func connect(_ url: String) throws -> Attempt {
        guard let connection = PQconnectdb(url) else {
            throw PostgresError(.unreachable, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            return .failure(message)
        }
        return .success(connection)
    }

    private init(connected connection: OpaquePointer) throws {
        // Every text in and out is UTF-8, whatever encoding the database was created with.
        guard PQsetClientEncoding(connection, "UTF8") == 0 else {
            let message = Self.trimmed(PQerrorMessage(connection))
            // The server gone meanwhile (a restart) is not a refusal.
            let lost = PQstatus(connection) != CONNECTION_OK
            PQfinish(connection)
            if lost { throw PostgresError(.unreachable, message: message) }
            throw PostgresError(
                .refused, message: "the server refused UTF-8 as the client encoding: \(message)")
        }
        // libpq prints the server's notices ("already exists, skipping") on stderr, which is
        // the daemon's journal: the store's statements expect them, and an error comes back as one.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
    }

    deinit {
        PQfinish(handle)
    }

    /// Whether the connection still stands (false once the server went away or restarted).
    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one or more statements that take no parameters (a migration, BEGIN, COMMIT).
    public func execute(_ sql: String) throws {
        if sql.hasPrefix("ROLLBACK") {
            // Rolled back either way: an unsettled COPY's error is moot, and must not keep the
            // rollback from being sent.
            try? settle()
        } else {
            try settle()
        }
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql)
    }

    /// Runs one statement with `$1`… bound to `parameters` (nil is NULL); returns its rows, each
    /// column as text or nil for NULL.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        try settle()
        // libpq copies the values before PQexecParams returns: C strings that live for the call.
        // A C string ends at its first NUL: a text holding one would be cut short, silently.
        if parameters.contains(where: { $0?.utf8.contains(0) == true }) {
            throw PostgresError(.data, message: "a text holding a NUL byte cannot be sent to PostgreSQL")
        }
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        let values = copies.map { UnsafePointer($0) }
        let result = values.withUnsafeBufferPointer { buffer in
            PQexecParams(handle, sql, Int32(parameters.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        defer { PQclear(result) }
        try check(result, sql)
        return Self.rows(of: result)
    }

    private static func rows(of result: OpaquePointer?) -> [[String?]] {
        var rows: [[String?]] = []
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var columns: [String?] = []
            columns.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) != 0 {
                    columns.append(nil)
                } else if let value = PQgetvalue(result, row, column) {
                    columns.append(String(cString: value))
                } else {
                    columns.append(nil)
                }
            }
            rows.append(columns)
        }
        return rows
    }

    /// Runs one statement with `$1`… bound to `values`, bytes sent as they are (bytea) rather than
    /// as text; returns its rows as `query` does (a bytea column as `\x` and hex, see `bytes`).
    @discardableResult
    public func query(_ sql: String, values: [PostgresValue]) throws -> [[String?]] {
        try settle()
        var texts: [String?] = []
        var blobs: [Int: [UInt8]] = [:]
        for (index, value) in values.enumerated() {
            switch value {
            case .text(let text): texts.append(text)
            case .bytes(let bytes):
                texts.append(nil)
                blobs[index] = bytes
            }
        }
        guard !blobs.isEmpty else { return try query(sql, texts) }
        if texts.contains(where: { $0?.utf8.contains(0) == true }) {
            throw PostgresError(.data, message: "a text holding a NUL byte cannot be sent to PostgreSQL")
        }
        var copies: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        defer { for copy in copies { free(copy) } }
        for (index, text) in texts.enumerated() {
            if let bytes = blobs[index] {
                guard bytes.count < Int(Int32.max) else {
                    throw PostgresError(.data, message: "a value of more than 2 GiB", statement: sql)
                }
                let copy = malloc(max(bytes.count, 1))?.assumingMemoryBound(to: CChar.self)
                guard let copy else { throw PostgresError(.data, message: "out of memory", statement: sql) }
                bytes.withUnsafeBytes { source in
                    if let base = source.baseAddress { memcpy(copy, base, bytes.count) }
                }
                copies.append(copy)
                lengths.append(Int32(bytes.count))
                formats.append(1)
            } else {
                copies.append(text.map { strdup($0) } ?? nil)
                lengths.append(0)
                formats.append(0)
            }
        }
        let pointers = copies.map { UnsafePointer($0) }
        let result = pointers.withUnsafeBufferPointer { values in
            PQexecParams(handle, sql, Int32(values.count), nil, values.baseAddress, lengths, formats, 0)
        }
        defer { PQclear(result) }
        try check(result, sql)
        return Self.rows(of: result)
    }

    /// A bytea column read as text (`\x` and two hex digits a byte) back into its bytes.
    public static func bytes(_ text: String?) throws -> [UInt8] {
        guard let text else { throw PostgresError(.data, message: "a NULL where bytes were expected") }
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"),
            utf8.count % 2 == 0
        else { throw PostgresError(.data, message: "bytes not in hex form") }
        func digit(_ byte: UInt8) throws -> UInt8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: throw PostgresError(.data, message: "bytes not in hex form")
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2 - 1)
        var index = 2
        while index < utf8.count {
            bytes.append(try digit(utf8[index]) << 4 | digit(utf8[index + 1]))
            index += 2
        }
        return bytes
    }

    /// Streams `rows` into a `COPY … FROM STDIN` statement in PostgreSQL's text format: the
    /// server's bulk path, one round trip for thousands of rows where INSERT would parse each.
    /// Returns the number of rows the server took.
    @discardableResult
    public func copy(_ sql: String, _ rows: CopyRows) throws -> Int {
        try send(sql, rows)
        return try readCopyResults(sql)
    }

    /// Sends a COPY as `copy` does, and returns before the server has stored the rows: the
    /// caller goes on (deciding the next batch) while the server works. The result is read by
    /// the next use of the connection, which throws the COPY's error if it failed.
    public func copyWithoutWaiting(_ sql: String, _ rows: CopyRows) throws {
        try send(sql, rows)
        unsettled = sql
    }

    /// Reads the result of the COPY `copyWithoutWaiting` sent, if any.
    private func settle() throws {
        guard let sql = unsettled else { return }
        unsettled = nil
        _ = try readCopyResults(sql)
    }

    private func send(_ sql: String, _ rows: CopyRows) throws {
        try settle()
        guard rows.bytes.count < Int(Int32.max) else {
            throw PostgresError(.data, message: "more than 2 GiB of rows in one COPY", statement: sql)
        }
        let started = PQexec(handle, sql)
        defer { PQclear(started) }
        guard let started, PQresultStatus(started) == PGRES_COPY_IN else {
            try check(started, sql)
            throw PostgresError(.statement, message: "not a COPY FROM STDIN statement", statement: sql)
        }
        let sent = rows.bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                PQputCopyData(handle, $0.baseAddress, Int32($0.count))
            }
        }
        // A refused piece still ends the COPY, so the connection is usable for the ROLLBACK.
        let ended = PQputCopyEnd(handle, sent == 1 ? nil : "the client could not send its rows")
        guard sent == 1, ended == 1 else {
            let message = Self.trimmed(PQerrorMessage(handle))
            _ = try? readCopyResults(sql)
            throw PostgresError(.unreachable, message: message, statement: sql)
        }
    }

    private func readCopyResults(_ sql: String) throws -> Int {
        var taken = 0
        var failure: (any Error)?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            do {
                try check(result, sql)
                taken += Int(String(cString: PQcmdTuples(result))) ?? 0
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        // The server gone mid-COPY: no result says so, the connection's state does.
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(.unreachable, message: Self.trimmed(PQerrorMessage(handle)), statement: sql)
        }
        return taken
    }

    /// The first column of the first row, as text (nil when there is no row or it is NULL).
    public func scalar(_ sql: String, _ parameters: [String?] = []) throws -> String? {
        try query(sql, parameters).first?.first ?? nil
    }

    private func outsideATransaction() throws {
        try settle()
        guard PQtransactionStatus(handle) == PQTRANS_IDLE else {
            throw PostgresError(.statement, message: "a transaction was begun inside another")
        }
    }

    /// Runs `body` in one snapshot (repeatable read) that is rolled back whatever it did: a
    /// listing's reads agree with each other, and with `scratch` a dry run's TEMP tables (the
    /// only writes it may make, even in a read-only session) leave nothing behind.
    public func rolledBackSnapshot<T>(scratch: Bool = false, _ body: () throws -> T) throws -> T {
        try outsideATransaction()
        try execute("BEGIN ISOLATION LEVEL REPEATABLE READ " + (scratch ? "READ WRITE" : "READ ONLY"))
        defer { try? execute("ROLLBACK") }
        return try body()
    }

    /// Runs `body` in one snapshot: the caller's transaction when it is in one, else a
    /// `rolledBackSnapshot` of its own (a read made of several statements sees one moment).
    public func reading<T>(_ body: () throws -> T) throws -> T {
        try settle()
        guard PQtransactionStatus(handle) == PQTRANS_IDLE else { return try body() }
        return try rolledBackSnapshot(body)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws. Never
    /// inside another: the server would only warn at the inner BEGIN, and the inner COMMIT would
    /// end the outer transaction early.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try outsideATransaction()
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws {
        guard let result else {
            throw PostgresError(.unreachable, message: Self.trimmed(PQerrorMessage(handle)), statement: sql)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return
        default:
            let code = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = Self.trimmed(PQresultErrorMessage(result))
            // A connection lost mid-statement has no SQLSTATE from the server.
            if code.isEmpty && PQstatus(handle) != CONNECTION_OK {
                throw PostgresError(.unreachable, message: message, statement: sql)
            }
            throw PostgresError(.statement, sqlState: code, message: message, statement: sql)
        }
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        var text = String(cString: message)
        while text.last?.isWhitespace == true { text.removeLast() }
        return text.isEmpty ? "unknown error" : text
    }
}

/// A statement's parameter: text, or bytes sent as they are.
public enum PostgresValue {
    case text(String?)
    case bytes([UInt8])

    public static func int(_ value: Int64) -> PostgresValue { .text(String(value)) }
    public static func int(_ value: Int64?) -> PostgresValue { .text(value.map(String.init)) }
}
