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
    public var byteCount: Int { bytes.count }

    /// Where buffered rows are sent even before their count says so: rejected rows keep their
    /// cells (a MiB each at most), and a COPY of them must stay far below the 2 GiB guard.
    public static let bytesPerCopy = 8 << 20

    private mutating func separate() {
        if !atRowStart { bytes.append(UInt8(ascii: "\t")) }
        atRowStart = false
    }
}
