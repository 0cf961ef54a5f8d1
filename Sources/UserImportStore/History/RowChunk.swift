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
/// - format 2 only: the cells of a row not applied (`RowResult.cells`): a varint, 0 for none, else
///   the cell count plus one, then each cell as a text.
///
/// A varint is LEB128: seven bits a byte, lowest group first, the top bit set on every byte but
/// the last.
enum RowChunk {
    /// The format written. Format 1 (no cells) is still read: migration 4 wrote it, and chunks
    /// stay as written.
    static let format: UInt8 = 2

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

    /// The rows of one stored chunk, every byte checked: the database is read as outside data.
    /// `firstLine` and `rowCount` are the chunk's columns, which the bytes must agree with.
    static func decode(_ bytes: [UInt8], firstLine: Int64, rowCount: Int64) throws -> [RowResult] {
        // A row takes at least five bytes: a corrupt count never reserves more than the blob's size.
        guard rowCount > 0, rowCount <= Int64(bytes.count / 5) else {
            throw StoreError.corruptRecord(
                "row chunk at line \(firstLine): \(rowCount) rows in \(bytes.count) bytes")
        }
        return try bytes.withUnsafeBufferPointer { buffer in
            var reader = BlobReader(buffer, name: "row chunk at line \(firstLine)")
            let chunkFormat = try reader.byte()
            guard chunkFormat == 1 || chunkFormat == 2 else { throw reader.corrupt("unknown format") }
            var rows: [RowResult] = []
            rows.reserveCapacity(Int(rowCount))
            var line = 0
            while rows.count < rowCount {
                let number = try reader.varint()
                if rows.isEmpty {
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
                let email = try reader.text()
                let status = try reader.text()
                let reason = try reader.text()
                var cells: [String]?
                if chunkFormat == 2 {
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
                rows.append(
                    RowResult(
                        line: line, email: email, status: status, outcome: outcome, reason: reason,
                        cells: cells))
            }
            guard reader.isAtEnd else { throw reader.corrupt("bytes after row \(rowCount)") }
            return rows
        }
    }
}

/// Builds one chunk's bytes. Reused from chunk to chunk: the buffer keeps its capacity, so a
/// row costs appends into memory already there.
struct RowChunkEncoder {
    private(set) var bytes: [UInt8] = []
    private(set) var rowCount = 0
    private(set) var firstLine = 0
    /// The last line appended, to this chunk or an earlier one of the same import.
    private var lastLine = -1

    init(reservingCapacity capacity: Int) {
        bytes.reserveCapacity(capacity)
        bytes.append(RowChunk.format)
    }

    /// Throws when `result` does not come after every row appended before: one result per line,
    /// in line order, is what the decoder (and the report) rely on.
    mutating func append(_ result: RowResult) throws {
        guard result.line > lastLine else {
            throw StoreError.rowOutOfOrder(line: result.line, after: lastLine)
        }
        if rowCount == 0 {
            firstLine = result.line
            bytes.appendVarint(UInt64(result.line))
        } else {
            bytes.appendVarint(UInt64(result.line - lastLine))
        }
        lastLine = result.line
        bytes.append(RowChunk.code(of: result.outcome))
        bytes.appendText(result.email)
        bytes.appendText(result.status)
        bytes.appendText(result.reason)
        if let cells = result.cells {
            bytes.appendVarint(UInt64(cells.count) + 1)
            for cell in cells { bytes.appendText(cell) }
        } else {
            bytes.appendVarint(0)
        }
        rowCount += 1
    }

    /// Empties the chunk for the next rows, which must still come after the last one.
    mutating func startNext() {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(RowChunk.format)
        rowCount = 0
    }
}
