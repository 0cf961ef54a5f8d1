import UserImportCore

/// Consecutive row results of one import packed into one BLOB (table `import_row_chunks`): one
/// SQLite row per chunk instead of per row makes the results a fraction of the B-tree and of the
/// bind-and-insert work that storing each row cost a large import.
///
/// Layout: the format byte, then for each row
/// - line: a varint; the first row's line itself, every later row's distance from the row
///   before (at least 1: lines only grow, each once);
/// - outcome: one byte, see `code(of:)`;
/// - email, status, reason: each a varint byte count, then that many bytes of UTF-8;
/// - from format 2: the cells of a row not applied (`RowResult.cells`): a varint, 0 for none, else
///   the cell count plus one, then each cell as a text;
/// - from format 3: the user as it was before the row changed it (`RowResult.previous`), what an
///   undo restores: one byte, 0 for none, else its state's code (`code(of:)`) plus one, then first
///   name, last name, alternate ID, work phone, title and department, each as a text. The email
///   is the row's own. Timestamps and the last import are not kept: an undo is a write of its
///   own and stamps its own, and no import changes a stored user's `created_at`.
///
/// A varint is LEB128: seven bits a byte, lowest group first, the top bit set on every byte but
/// the last.
public enum RowChunk {
    /// The format written. Formats 1 (no cells; migration 4 wrote it) and 2 (no previous users)
    /// are still read: chunks stay as written. An import whose chunks lack previous users cannot
    /// be undone (`holdsPrevious(format:)`).
    static let format: UInt8 = 3

    /// Whether chunks of `format` keep the previous user of every row that changed one.
    static func holdsPrevious(format: UInt8) -> Bool { format >= 3 }

    /// The stored byte of each outcome. Stored data depends on these numbers: never renumber,
    /// only add (and `outcome(code:)` with it).
    static func code(of outcome: RowOutcome) -> UInt8 {
        switch outcome {
        case .created: return 0
        case .updated: return 1
        case .unchanged: return 2
        case .deleted: return 3
        case .activated: return 4
        case .ignored: return 5
        case .rejected: return 6
        }
    }

    static func outcome(code: UInt8) -> RowOutcome? {
        switch code {
        case 0: return .created
        case 1: return .updated
        case 2: return .unchanged
        case 3: return .deleted
        case 4: return .activated
        case 5: return .ignored
        case 6: return .rejected
        default: return nil
        }
    }

    /// The stored byte of each user state, as `code(of: RowOutcome)`: never renumber.
    static func code(of state: UserState) -> UInt8 {
        switch state {
        case .invited: return 0
        case .active: return 1
        case .deleted: return 2
        }
    }

    static func state(code: UInt8) -> UserState? {
        switch code {
        case 0: return .invited
        case 1: return .active
        case 2: return .deleted
        default: return nil
        }
    }

    /// Whether a row with `outcome` can have changed a user stored as `previous` (`RowRules`):
    /// a re-creation replaces a deleted user, an activation an invited one, an update or a deletion
    /// a live one, and nothing else writes. What no import can write is damage on decode.
    static func fits(_ previous: UserState, _ outcome: RowOutcome) -> Bool {
        switch outcome {
        case .created: return previous == .deleted
        case .updated, .deleted: return previous != .deleted
        case .activated: return previous == .invited
        case .unchanged, .ignored, .rejected: return false
        }
    }

    /// The rows of one stored chunk, every byte checked: the database is read as outside data.
    /// `firstLine` and `rowCount` are the chunk's columns, which the bytes must agree with.
    public static func decode(_ bytes: [UInt8], firstLine: Int64, rowCount: Int64) throws -> [RowResult] {
        try decode(bytes, firstLine: firstLine, rowCount: rowCount, keeping: nil).rows
    }

    /// The rows of one stored chunk whose outcome `keeping` accepts (all of them when nil), and
    /// the chunk's last line. Every row is checked as `decode` checks it; a row left out is passed
    /// over without making its texts, which is most of the cost of reading a row.
    static func decode(
        _ bytes: [UInt8], firstLine: Int64, rowCount: Int64, keeping: ((RowOutcome) -> Bool)?
    ) throws -> (rows: [RowResult], lastLine: Int) {
        var rows: [RowResult] = []
        if keeping == nil { rows.reserveCapacity(Int(min(rowCount, Int64(bytes.count / 5)))) }
        let lastLine = try walk(bytes, firstLine: firstLine, rowCount: rowCount) {
            reader, chunkFormat, line, outcome in
            if let keeping, !keeping(outcome) {
                try skipRow(&reader, format: chunkFormat, outcome: outcome)
                return
            }
            let email = try reader.text()
            let status = try reader.text()
            let reason = try reader.text()
            var cells: [String]?
            if chunkFormat >= 2 {
                let marker = try reader.varint()
                if marker > 0 {
                    // Each cell takes at least its length byte: a corrupt count reserves nothing.
                    guard marker - 1 <= reader.remaining else {
                        throw reader.corrupt("cell count \(marker - 1)")
                    }
                    var list: [String] = []
                    for _ in 0..<(marker - 1) { list.append(try reader.text()) }
                    cells = list
                }
            }
            var previous: StoredUser?
            if chunkFormat >= 3, let state = try previousState(&reader, outcome: outcome) {
                let firstName = try reader.text()
                let lastName = try reader.text()
                let alternateID = try reader.text()
                let workPhone = try reader.text()
                let title = try reader.text()
                let department = try reader.text()
                previous = StoredUser(
                    email: email,
                    profile: UserProfile(
                        firstName: firstName, lastName: lastName, alternateID: alternateID,
                        workPhone: workPhone, title: title, department: department),
                    state: state)
            }
            rows.append(
                RowResult(
                    line: line, email: email, status: status, outcome: outcome, reason: reason,
                    cells: cells, previous: previous))
        }
        return (rows, lastLine)
    }

    /// Appends each row's report line (`ReportText.appendLine`) to `out`, straight from the
    /// chunk's bytes, every byte checked as `decode` checks it; returns the chunk's last line.
    /// `out` may hold part of the chunk's lines when this throws.
    static func appendReportLines(
        _ bytes: [UInt8], firstLine: Int64, rowCount: Int64, to out: inout [UInt8]
    ) throws -> Int {
        try walk(bytes, firstLine: firstLine, rowCount: rowCount) { reader, chunkFormat, line, outcome in
            let email = try reader.textBytes()
            let status = try reader.textBytes()
            let reason = try reader.textBytes()
            try skipCellsAndPrevious(&reader, format: chunkFormat, outcome: outcome)
            ReportText.appendLine(
                line: line, email: email, status: status, outcome: outcome, reason: reason, to: &out)
        }
    }

    /// Walks a stored chunk's rows, checking what every reader relies on — the row count against
    /// the size, the format, lines that start at `firstLine` and only go up, known outcomes, no
    /// bytes left over — and hands each row's reader, positioned after its line and outcome, to
    /// `row`, which must read the rest of the row. Returns the chunk's last line.
    private static func walk(
        _ bytes: [UInt8], firstLine: Int64, rowCount: Int64,
        row: (inout BlobReader, _ format: UInt8, _ line: Int, _ outcome: RowOutcome) throws -> Void
    ) throws -> Int {
        // A row takes at least five bytes: a corrupt count never reserves more than the blob's size.
        guard rowCount > 0, rowCount <= Int64(bytes.count / 5) else {
            throw StoreError.corruptRecord(
                "row chunk at line \(firstLine): \(rowCount) rows in \(bytes.count) bytes")
        }
        return try bytes.withUnsafeBufferPointer { buffer in
            var reader = BlobReader(buffer, name: "row chunk at line \(firstLine)")
            let chunkFormat = try reader.byte()
            guard chunkFormat >= 1 && chunkFormat <= 3 else { throw reader.corrupt("unknown format") }
            var line = 0
            for index in 0..<rowCount {
                let number = try reader.varint()
                if index == 0 {
                    guard Int64(number) == firstLine else { throw reader.corrupt("starts at line \(number)") }
                    line = number
                } else {
                    let (next, overflow) = line.addingReportingOverflow(number)
                    guard number > 0, !overflow else {
                        throw reader.corrupt("line after \(line) out of order")
                    }
                    line = next
                }
                guard let outcome = outcome(code: try reader.byte()) else {
                    throw reader.corrupt("unknown outcome")
                }
                try row(&reader, chunkFormat, line, outcome)
            }
            guard reader.isAtEnd else { throw reader.corrupt("bytes after row \(rowCount)") }
            return line
        }
    }

    /// The rest of a row after its line and outcome, checked as `decode` checks it.
    private static func skipRow(_ reader: inout BlobReader, format chunkFormat: UInt8, outcome: RowOutcome)
        throws
    {
        try reader.skipText()  // email
        try reader.skipText()  // status
        try reader.skipText()  // reason
        try skipCellsAndPrevious(&reader, format: chunkFormat, outcome: outcome)
    }

    /// A row's cells and previous user, checked as `decode` checks them.
    private static func skipCellsAndPrevious(
        _ reader: inout BlobReader, format chunkFormat: UInt8, outcome: RowOutcome
    ) throws {
        if chunkFormat >= 2 {
            let marker = try reader.varint()
            if marker > 0 {
                guard marker - 1 <= reader.remaining else { throw reader.corrupt("cell count \(marker - 1)") }
                for _ in 0..<(marker - 1) { try reader.skipText() }
            }
        }
        if chunkFormat >= 3, try previousState(&reader, outcome: outcome) != nil {
            for _ in 0..<6 { try reader.skipText() }
        }
    }

    /// A row's previous-user marker: the previous user's state, nil for none; a state that
    /// cannot have come before the row's outcome is corruption.
    private static func previousState(_ reader: inout BlobReader, outcome: RowOutcome) throws -> UserState? {
        let marker = try reader.byte()
        guard marker > 0 else { return nil }
        guard let state = state(code: marker - 1) else { throw reader.corrupt("unknown previous state") }
        guard fits(state, outcome) else {
            throw reader.corrupt("a previous \(state.rawValue) user on a row \(outcome.rawValue)")
        }
        return state
    }
}

/// Builds one chunk's bytes. Reused from chunk to chunk: the buffer keeps its capacity, so a
/// row costs appends into memory already there.
public struct RowChunkEncoder {
    /// A chunk is closed at `RowResultWriter.rowsPerChunk` rows, or sooner once it holds this
    /// many bytes: rejected rows keep their cells, and a thousand records of a megabyte each
    /// would make one value past what SQLite (a billion bytes) or a PostgreSQL COPY line (1 GiB,
    /// the bytes sent as hex) takes, and a page of chunks read back too big to hold. A chunk of
    /// ordinary rows is about 48 KB.
    public static let bytesPerChunk = 1 << 20
    /// What the buffer keeps between chunks; one grown past it by a big row is let go, and
    /// reserved again as at the start.
    static let capacityKept = 2 << 20

    public private(set) var bytes: [UInt8] = []
    public private(set) var rowCount = 0
    public private(set) var firstLine = 0
    /// The last line appended, to this chunk or an earlier one of the same import.
    private var lastLine = -1
    private let reserved: Int

    public init(reservingCapacity capacity: Int) {
        reserved = capacity
        bytes.reserveCapacity(capacity)
        bytes.append(RowChunk.format)
    }

    /// Throws when `result` does not come after every row appended before: one result per line,
    /// in line order, is what the decoder (and the report) rely on. Throws as well for a previous
    /// user the decoder would take for damage: written, it would make the import's rows unreadable.
    public mutating func append(_ result: RowResult) throws {
        try append(row: result)
    }

    /// The same for a result read in place from a sorted import's results file: its bytes are
    /// copied as they are.
    public mutating func append(_ row: DecidedRowBytes) throws {
        try append(row: row)
    }

    private mutating func append<Row: ChunkRow>(row: Row) throws {
        guard row.line > lastLine else {
            throw StoreError.rowOutOfOrder(line: row.line, after: lastLine)
        }
        let previous = row.previousState
        if let previous, !row.previousIsTheRowsUser || !RowChunk.fits(previous, row.outcome) {
            throw StoreError.previousUserDoesNotFit(line: row.line)
        }
        if rowCount == 0 {
            firstLine = row.line
            bytes.appendVarint(UInt64(row.line))
        } else {
            bytes.appendVarint(UInt64(row.line - lastLine))
        }
        lastLine = row.line
        bytes.append(RowChunk.code(of: row.outcome))
        bytes.appendText(row.email)
        bytes.appendText(row.status)
        bytes.appendText(row.reason)
        if let cells = row.cells {
            bytes.appendVarint(UInt64(cells.count) + 1)
            for cell in cells { bytes.appendText(cell) }
        } else {
            bytes.appendVarint(0)
        }
        if let previous {
            bytes.append(RowChunk.code(of: previous) + 1)
            row.forEachPreviousField { bytes.appendText($0) }
        } else {
            bytes.append(0)
        }
        rowCount += 1
    }

    /// Whether the chunk is to be written before the next row.
    public var isFull: Bool {
        rowCount >= RowResultWriter.rowsPerChunk || bytes.count >= Self.bytesPerChunk
    }

    /// Empties the chunk for the next rows, which must still come after the last one.
    public mutating func startNext() {
        if bytes.capacity <= Self.capacityKept {
            bytes.removeAll(keepingCapacity: true)
        } else {
            bytes = []
            bytes.reserveCapacity(reserved)
        }
        bytes.append(RowChunk.format)
        rowCount = 0
    }
}

/// A row's result as a chunk stores it: a `RowResult`, or one read in place (`DecidedRowBytes`).
private protocol ChunkRow {
    associatedtype Text: BlobText
    var line: Int { get }
    var outcome: RowOutcome { get }
    var email: Text { get }
    var status: Text { get }
    var reason: Text { get }
    var cells: [Text]? { get }
    /// The state of the user before the row, nil when it kept none.
    var previousState: UserState? { get }
    /// Whether that user has the row's email, as the decoder takes for granted.
    var previousIsTheRowsUser: Bool { get }
    /// The previous user's profile, field by field in `UserProfile`'s order.
    func forEachPreviousField(_ body: (Text) -> Void)
}

extension RowResult: ChunkRow {
    var previousState: UserState? { previous?.state }
    var previousIsTheRowsUser: Bool { previous.map { $0.email == email } ?? true }

    func forEachPreviousField(_ body: (String) -> Void) {
        guard let profile = previous?.profile else { return }
        body(profile.firstName)
        body(profile.lastName)
        body(profile.alternateID)
        body(profile.workPhone)
        body(profile.title)
        body(profile.department)
    }
}

extension DecidedRowBytes: ChunkRow {
    var previousState: UserState? { previous?.state }
    var previousIsTheRowsUser: Bool { previous.map { $0.email.elementsEqual(email) } ?? true }

    func forEachPreviousField(_ body: (UnsafeRawBufferPointer) -> Void) {
        previous?.profile.forEachField(body)
    }
}
