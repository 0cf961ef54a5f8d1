/// Rows for `COPY … FROM STDIN`, in PostgreSQL's text format: fields separated by tabs, rows
/// ended by newlines, `\N` for NULL, and a field's backslash, tab, newline and carriage return
/// escaped, so any text arrives as it was.
public struct CopyRows {
    private(set) var bytes: [UInt8] = []
    private var atRowStart = true
    public private(set) var count = 0

    public init(reservingBytes: Int = 0) {
        bytes.reserveCapacity(reservingBytes)
    }

    /// Appends a field to the current row (nil is NULL). A NUL byte is refused: PostgreSQL's
    /// text cannot hold one.
    public mutating func field(_ value: String?) throws {
        separate()
        guard let value else {
            bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
            return
        }
        let utf8 = value.utf8
        // Most texts need no escape: appended as they are, in one copy.
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: utf8)
            return
        }
        for byte in utf8 {
            switch byte {
            case 0:
                throw PostgresError(.data, message: "a text holding a NUL byte cannot be sent to PostgreSQL")
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default: bytes.append(byte)
            }
        }
    }

    /// Appends an integer field.
    public mutating func field(_ value: Int64) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Appends a bytea field in its hex form (`\\x` and two digits a byte, the backslash
    /// doubled for COPY's text format).
    public mutating func field(bytea value: [UInt8]) {
        separate()
        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
        bytes.reserveCapacity(bytes.count + 2 * value.count + 1)
        for byte in value {
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0x0f)])
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Ends the current row.
    public mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        atRowStart = true
        count += 1
    }

    public var isEmpty: Bool { count == 0 }

    private mutating func separate() {
        if !atRowStart { bytes.append(UInt8(ascii: "\t")) }
        atRowStart = false
    }
}

/// Rows gathered for one COPY statement and sent, not waited for
/// (`PostgresConnection.copyWithoutWaiting`), once `rowsPerCopy` rows or 8 MiB are in: one
/// statement for many rows, stored by the server while the importer goes on. The byte bound
/// matters for rows that keep rejected cells (a chunk of them a MiB and one row at most): a COPY of
/// them stays far below the 2 GiB guard.
struct BufferedCopy {
    static let bytesPerCopy = 8 << 20

    let sql: String
    let rowsPerCopy: Int
    /// The rows not sent yet; the caller appends fields and ends each row.
    var rows = CopyRows()

    init(_ sql: String, rowsPerCopy: Int) {
        self.sql = sql
        self.rowsPerCopy = rowsPerCopy
    }

    /// Sends the rows once there are enough of them.
    mutating func sendWhenFull(on connection: PostgresConnection) throws {
        if rows.count >= rowsPerCopy || rows.bytes.count >= Self.bytesPerCopy { try send(on: connection) }
    }

    /// Sends whatever rows there are.
    mutating func send(on connection: PostgresConnection) throws {
        guard !rows.isEmpty else { return }
        try connection.copyWithoutWaiting(sql, rows)
        rows = CopyRows()
    }
}
