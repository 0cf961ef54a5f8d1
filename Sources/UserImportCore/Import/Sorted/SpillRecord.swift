/// A row, or its result, as a sorted run keeps it on a `SpillFile`.
///
/// Each record is its byte count (four bytes, little-endian), then the fields: a varint is LEB128
/// (seven bits a byte, lowest group first), a text its UTF-8 byte count as a varint, then the bytes. The file lives
/// only as long as the import, so the layout is free to change from one version to the next.
enum SpillRecord {
    /// A valid row waiting for the directory: line, status, email, the six profile fields, cells.
    static func append(_ row: UserRow, to bytes: inout [UInt8]) {
        framed(&bytes) { bytes in
            bytes.appendSpillVarint(UInt64(row.line))
            bytes.append(statusCode(row.status))
            bytes.appendSpillText(row.email)
            appendProfile(row.profile, to: &bytes)
            appendCells(row.cells, to: &bytes)
        }
    }

    /// Appends the row of a valid record; nothing for another. Borrowed: a row bound out of its
    /// batch was copied, then freed, field by field.
    static func appendValid(_ parsed: borrowing ParsedRow, to bytes: inout [UInt8]) {
        switch parsed {
        case .valid(let row): append(row, to: &bytes)
        case .invalid: break
        }
    }

    /// Appends the result of an invalid record, in the results file's form; nothing for another.
    static func appendInvalid(_ parsed: borrowing ParsedRow, to bytes: inout [UInt8]) {
        switch parsed {
        case .valid: break
        case .invalid(let result): append(result, notification: nil, to: &bytes)
        }
    }

    static func readRow(_ reader: inout SpillReader) throws -> UserRow {
        let line = try reader.int()
        let code = try reader.byte()
        guard Int(code) < UserStatus.allCases.count else { throw SpillError.damaged("status \(code)") }
        return UserRow(
            line: line, email: try reader.text(), status: UserStatus.allCases[Int(code)],
            profile: try readProfile(&reader), cells: try readCells(&reader))
    }

    /// A row's result with the email it asks for, waiting to be filed in line order.
    static func append(_ decided: DecidedRow, to bytes: inout [UInt8]) {
        append(decided.result, notification: decided.notification, to: &bytes)
    }

    /// The same, from a result read in place: a sorted import keeps every result of a large file
    /// this way, and a `DecidedRow` of each was a copy of it, then freed.
    static func append(
        _ result: borrowing RowResult, notification: DecidedRow.Notification?, to bytes: inout [UInt8]
    ) {
        framed(&bytes) { bytes in
            bytes.appendSpillVarint(UInt64(result.line))
            bytes.append(outcomeCode(result.outcome))
            bytes.appendSpillText(result.email)
            bytes.appendSpillText(result.status)
            bytes.appendSpillText(result.reason)
            appendCells(result.cells, to: &bytes)
            appendUser(result.previous, to: &bytes, sameEmailAs: result.email)
            if let notification {
                bytes.append(notification.kind == .invitation ? 1 : 2)
                appendRecipient(notification.recipient, to: &bytes, sameEmailAs: result.email)
            } else {
                bytes.append(0)
            }
        }
    }

    /// A decided row read in place: its texts are the record's bytes, checked to be UTF-8.
    static func readDecided(_ reader: inout SpillReader) throws -> DecidedRowBytes {
        let line = try reader.int()
        let code = try reader.byte()
        guard Int(code) < RowOutcome.allCases.count else { throw SpillError.damaged("outcome \(code)") }
        let email = try reader.textBytes()
        var row = DecidedRowBytes(
            line: line, outcome: RowOutcome.allCases[Int(code)], email: email, status: try reader.textBytes(),
            reason: try reader.textBytes(), cells: try readCellBytes(&reader))
        let state = try reader.byte()
        if state > 0 {
            guard Int(state) <= UserState.allCases.count else {
                throw SpillError.damaged("user state \(state)")
            }
            row.previous = .init(
                state: UserState.allCases[Int(state) - 1],
                email: try readEmailBytes(&reader, rowEmail: email),
                profile: try readProfileBytes(&reader))
        }
        let kind = try reader.byte()
        switch kind {
        case 0: break
        case 1, 2:
            row.notification = .init(
                kind: kind == 1 ? .invitation : .activation,
                email: try readEmailBytes(&reader, rowEmail: email),
                firstName: try reader.textBytes(), lastName: try reader.textBytes())
        default: throw SpillError.damaged("notification \(kind)")
        }
        return row
    }

    // MARK: - Fields

    /// The count is written after the fields, into the four bytes left for it: no copy per record.
    private static func framed(_ bytes: inout [UInt8], _ body: (inout [UInt8]) -> Void) {
        let start = bytes.count
        bytes.append(contentsOf: [0, 0, 0, 0])
        body(&bytes)
        let count = UInt32(truncatingIfNeeded: bytes.count - start - 4)
        for index in 0..<4 { bytes[start + index] = UInt8(truncatingIfNeeded: count >> (8 * UInt32(index))) }
    }

    static let frameBytes = 4

    /// Calls `body` with a reader of each record in `bytes`, one after the other as `RecordMerge`
    /// moves them; `body` must read all of it.
    static func forEachRecord(in bytes: [UInt8], _ body: (inout SpillReader) throws -> Void) throws {
        try bytes.withUnsafeBytes { all in
            var position = 0
            while position < all.count {
                guard all.count - position >= frameBytes else {
                    throw SpillError.damaged("a record is cut short")
                }
                let count = frameCount(
                    UnsafeRawBufferPointer(rebasing: all[position..<(position + frameBytes)]))
                let first = position + frameBytes
                guard count <= all.count - first else { throw SpillError.damaged("a record is cut short") }
                try read(UnsafeRawBufferPointer(rebasing: all[first..<(first + count)]), body)
                position = first + count
            }
        }
    }

    /// One record's fields, decoded by `decode`, which must read all of them.
    static func read<Element>(
        _ fields: UnsafeRawBufferPointer, _ decode: (inout SpillReader) throws -> Element
    )
        throws -> Element
    {
        var reader = SpillReader(fields)
        let element = try decode(&reader)
        guard reader.isAtEnd else { throw SpillError.damaged("a record is longer than its fields") }
        return element
    }

    /// The byte count of the record starting at `bytes`' first byte (which holds at least four).
    static func frameCount(_ bytes: UnsafeRawBufferPointer) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    }

    private static func statusCode(_ status: UserStatus) -> UInt8 {
        UInt8(UserStatus.allCases.firstIndex(of: status) ?? 0)
    }

    private static func outcomeCode(_ outcome: RowOutcome) -> UInt8 {
        UInt8(RowOutcome.allCases.firstIndex(of: outcome) ?? 0)
    }

    private static func appendProfile(_ profile: UserProfile, to bytes: inout [UInt8]) {
        bytes.appendSpillText(profile.firstName)
        bytes.appendSpillText(profile.lastName)
        bytes.appendSpillText(profile.alternateID)
        bytes.appendSpillText(profile.workPhone)
        bytes.appendSpillText(profile.title)
        bytes.appendSpillText(profile.department)
    }

    private static func readProfile(_ reader: inout SpillReader) throws -> UserProfile {
        UserProfile(
            firstName: try reader.text(), lastName: try reader.text(), alternateID: try reader.text(),
            workPhone: try reader.text(), title: try reader.text(), department: try reader.text())
    }

    private static func appendCells(_ cells: [String]?, to bytes: inout [UInt8]) {
        guard let cells else { return bytes.appendSpillVarint(0) }
        bytes.appendSpillVarint(UInt64(cells.count) + 1)
        for cell in cells { bytes.appendSpillText(cell) }
    }

    private static func readCells(_ reader: inout SpillReader) throws -> [String]? {
        try readCellBytes(&reader)?.map { String(decoding: $0, as: UTF8.self) }
    }

    private static func readCellBytes(_ reader: inout SpillReader) throws -> [UnsafeRawBufferPointer]? {
        let count = try reader.int()
        guard count > 0 else { return nil }
        // Each cell takes a byte at least: a damaged count must not reserve more.
        guard count - 1 <= reader.remaining else { throw SpillError.damaged("\(count - 1) cells") }
        return try (1..<count).map { _ in try reader.textBytes() }
    }

    private static func readProfileBytes(_ reader: inout SpillReader) throws -> DecidedRowBytes.Profile {
        DecidedRowBytes.Profile(
            firstName: try reader.textBytes(), lastName: try reader.textBytes(),
            alternateID: try reader.textBytes(),
            workPhone: try reader.textBytes(), title: try reader.textBytes(),
            department: try reader.textBytes())
    }

    /// A user: its state's position plus one (0 for none), its email as `appendEmail` writes it,
    /// then its profile.
    private static func appendUser(_ user: StoredUser?, to bytes: inout [UInt8], sameEmailAs rowEmail: String)
    {
        guard let user else { return bytes.append(0) }
        bytes.append(UInt8(UserState.allCases.firstIndex(of: user.state) ?? 0) + 1)
        appendEmail(user.email, to: &bytes, sameAs: rowEmail)
        appendProfile(user.profile, to: &bytes)
    }

}

extension SpillRecord {
    /// A recipient: its email as `appendEmail` writes it (always the row's own, as `RowRules`
    /// decides: an email goes to the row's user), then its first and last name.
    fileprivate static func appendRecipient(
        _ recipient: Recipient, to bytes: inout [UInt8], sameEmailAs rowEmail: String
    ) {
        appendEmail(recipient.email, to: &bytes, sameAs: rowEmail)
        bytes.appendSpillText(recipient.firstName)
        bytes.appendSpillText(recipient.lastName)
    }

    /// A flag, then the email unless the flag says it is the row's own: written once, read back
    /// once, for nearly every user and recipient.
    fileprivate static func appendEmail(_ email: String, to bytes: inout [UInt8], sameAs rowEmail: String) {
        if email == rowEmail {
            bytes.append(1)
        } else {
            bytes.append(0)
            bytes.appendSpillText(email)
        }
    }

    fileprivate static func readEmailBytes(_ reader: inout SpillReader, rowEmail: UnsafeRawBufferPointer)
        throws
        -> UnsafeRawBufferPointer
    {
        switch try reader.byte() {
        case 1: rowEmail
        case 0: try reader.textBytes()
        case let flag: throw SpillError.damaged("email flag \(flag)")
        }
    }

}

/// A result as a sorted import keeps it for the second pass: the row's result, and the email its
/// decision queued. The second pass reads it back in place (`DecidedRowBytes`).
struct DecidedRow: Sendable, Equatable {
    struct Notification: Sendable, Equatable {
        var kind: NotificationKind
        var recipient: Recipient
    }

    var result: RowResult
    var notification: Notification?
}

/// A scratch file that failed the import. Bytes that do not read back (the file was changed under
/// the import, or the disk lied) fail it like any other failed write, and it is tried again.
public enum SpillError: Error, Equatable, CustomStringConvertible {
    case damaged(String)
    /// No scratch file could be made or written (a full disk, no room for another file): the
    /// file is read again in file order (`ImportRun.read`).
    case unavailable(String)

    public var description: String {
        switch self {
        case .damaged(let what): "the import's scratch file does not read back (\(what))"
        case .unavailable(let why): "no scratch file to sort the rows in: \(why)"
        }
    }
}

/// Reads one record's fields; every read is checked against the record's end.
struct SpillReader {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { position == bytes.count }
    var remaining: Int { bytes.count - position }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw SpillError.damaged("a record ends early") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw SpillError.damaged("a number is too long") }
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func int() throws -> Int {
        let value = try varint()
        guard value <= UInt64(Int.max) else { throw SpillError.damaged("a number is too large") }
        return Int(value)
    }

    /// A text's bytes in place, checked to be UTF-8: they are stored as they are.
    mutating func textBytes() throws -> UnsafeRawBufferPointer {
        let count = try int()
        guard count <= bytes.count - position else { throw SpillError.damaged("a text ends early") }
        defer { position += count }
        let utf8 = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        guard UTF8Check.isValid(utf8) else { throw SpillError.damaged("a text is not UTF-8") }
        return utf8
    }

    mutating func text() throws -> String {
        String(decoding: try textBytes(), as: UTF8.self)
    }
}

extension [UInt8] {
    mutating func appendSpillVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    mutating func appendSpillText(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            appendSpillVarint(UInt64(utf8.count))
            append(contentsOf: utf8)
        }
    }
}
