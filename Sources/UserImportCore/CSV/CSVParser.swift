/// A streaming, byte-level reader of delimited text (RFC 4180 plus what real exports do).
///
/// Push-based: feed it UTF-8 chunks of any size, it calls `emit` for each complete record.
/// Memory is bounded by `maxRecordBytes`, whatever the file size. The delimiter is detected
/// from the first non-blank line (the header): the candidate seen most often outside quotes.
public struct CSVParser: Sendable {
    public private(set) var delimiter: Delimiter?
    private let maxRecordBytes: Int

    private enum State: Sendable {
        case fieldStart, unquoted, quoted, quoteInQuoted, afterClosingQuote
        /// An unquoted field taken whole from the chunk is in `fields` already; the delimiter or
        /// line ending after it comes next.
        case fieldTaken
    }

    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fieldTrimmedLength = 0
    private var fields: [String] = []
    private var recordHasContent = false
    private var misplacedQuoteColumn: Int?
    private var line = 1
    private var recordStartLine = 1
    private var recordBytes = 0
    private var quoteOpenedOnLine = 1
    private var previousWasCR = false

    // Delimiter detection scans the bytes of the header line before any record is parsed.
    private var pending: [UInt8] = []
    private var detectIndex = 0
    private var detectLineStart = 0  // where the line being scanned starts; before it, only blank lines
    private var detectInQuotes = false
    private var detectLineHasContent = false
    private var detectCounts: [Delimiter: Int] = [:]

    /// Bytes the parser holds right now (field buffer and header look-ahead): bounded by
    /// `maxRecordBytes`, never by the file size.
    public var bufferedBytes: Int { field.capacity + pending.capacity }

    public init(maxRecordBytes: Int, delimiter: Delimiter? = nil) {
        self.maxRecordBytes = maxRecordBytes
        self.delimiter = delimiter
        field.reserveCapacity(256)
    }

    public mutating func parse(_ chunk: UnsafeRawBufferPointer, emit: (CSVRecord) throws -> Void) throws {
        guard let delimiter else {
            pending.append(contentsOf: chunk)
            if detectDelimiter(atEnd: false) {
                try flushPending(emit: emit)
            } else if detectLineStart > maxRecordBytes {
                try dropBlankLines(emit: emit)
            }
            return
        }
        try run(chunk, delimiter: delimiter.rawValue, emit: emit)
    }

    /// Call at end of input: emits the last record (a final newline is optional) or throws for an open quote.
    public mutating func finish(emit: (CSVRecord) throws -> Void) throws {
        if delimiter == nil {
            _ = detectDelimiter(atEnd: true)
            try flushPending(emit: emit)
        }
        if state == .quoted {
            throw FileError.unterminatedQuote(line: quoteOpenedOnLine)
        }
        if state != .fieldStart || !fields.isEmpty {
            endField()
            try endRecord(emit: emit)
        }
    }

    private mutating func flushPending(emit: (CSVRecord) throws -> Void) throws {
        let bytes = pending
        pending = []
        guard let delimiter else { return }
        try bytes.withUnsafeBytes { try run($0, delimiter: delimiter.rawValue, emit: emit) }
    }

    /// Parses the blank lines held before the header now, so the look-ahead stays bounded. They
    /// yield no record whatever the delimiter turns out to be; only the line count moves on.
    private mutating func dropBlankLines(emit: (CSVRecord) throws -> Void) throws {
        try pending[..<detectLineStart].withUnsafeBytes {
            try run($0, delimiter: Delimiter.comma.rawValue, emit: emit)
        }
        pending.removeFirst(detectLineStart)
        detectIndex -= detectLineStart
        detectLineStart = 0
    }

    /// Returns true once the header line is complete (or input ended) and `delimiter` is set.
    private mutating func detectDelimiter(atEnd: Bool) -> Bool {
        var headerLineComplete = false
        while detectIndex < pending.count {
            let byte = pending[detectIndex]
            detectIndex += 1
            if byte == UInt8(ascii: "\"") {
                detectInQuotes.toggle()
                detectLineHasContent = true
            } else if detectInQuotes {
                continue
            } else if byte == 0x0A || byte == 0x0D {
                if detectLineHasContent {
                    headerLineComplete = true
                    break
                }
                detectCounts = [:]
                detectLineStart = detectIndex
            } else if let candidate = Delimiter(rawValue: byte) {
                detectCounts[candidate, default: 0] += 1
                if candidate != .tab { detectLineHasContent = true }
            } else if byte != 0x20 {
                detectLineHasContent = true
            }
        }
        // Only the header line itself counts against the limit: however many blank lines come
        // first, the delimiter is never guessed before the header has been seen.
        guard atEnd || headerLineComplete || pending.count - detectLineStart > maxRecordBytes else {
            return false
        }
        // Most frequent wins; ties go to the order of Delimiter.allCases (comma first).
        var best = Delimiter.comma
        for candidate in Delimiter.allCases
        where detectCounts[candidate, default: 0] > detectCounts[best, default: 0] {
            best = candidate
        }
        delimiter = best
        return true
    }

    private mutating func run(
        _ chunk: UnsafeRawBufferPointer, delimiter: UInt8, emit: (CSVRecord) throws -> Void
    ) throws {
        let quote = UInt8(ascii: "\"")
        let trimTabs = delimiter != Delimiter.tab.rawValue
        var index = 0
        while index < chunk.count {
            // Inside a field, the bytes up to the next one that can end it are copied at once:
            // byte by byte, the appends were a third of the parse.
            if state == .unquoted || state == .quoted {
                let stop = Self.endOfPlainBytes(
                    chunk, from: index, delimiter: state == .quoted ? quote : delimiter, quote: quote)
                if stop > index {
                    try appendPlain(
                        UnsafeRawBufferPointer(rebasing: chunk[index..<stop]), trimTabs: trimTabs)
                    index = stop
                    continue
                }
            }
            let byte = chunk[index]
            index += 1
            let isNewline = byte == 0x0A || byte == 0x0D
            if isNewline {
                if byte == 0x0D || !previousWasCR { line += 1 }
                previousWasCR = byte == 0x0D
            } else {
                previousWasCR = false
            }
            // The line ending that closes a record is not part of it; one inside quotes is.
            if !isNewline || state == .quoted { try countRecordBytes(1) }
            let isBlank = Self.isBlank(byte, trimTabs: trimTabs)
            switch state {
            case .quoted:
                if byte == quote { state = .quoteInQuoted } else { field.append(byte) }
            case .fieldStart:
                if byte == delimiter {
                    endField()
                } else if isNewline {
                    endField()
                    try endRecord(emit: emit)
                } else if byte == quote {
                    state = .quoted
                    quoteOpenedOnLine = line
                } else if !isBlank {
                    if let end = try takeWholeField(
                        chunk, from: index - 1, delimiter: delimiter, trimTabs: trimTabs)
                    {
                        index = end
                        continue
                    }
                    field.append(byte)
                    fieldTrimmedLength = field.count
                    state = .unquoted
                }
            case .fieldTaken:
                state = .fieldStart
                if isNewline { try endRecord(emit: emit) }
            case .unquoted:
                if byte == delimiter {
                    endField()
                } else if isNewline {
                    endField()
                    try endRecord(emit: emit)
                } else {
                    if byte == quote { noteMisplacedQuote() }
                    field.append(byte)
                    if !isBlank { fieldTrimmedLength = field.count }
                }
            case .quoteInQuoted, .afterClosingQuote:
                if byte == quote && state == .quoteInQuoted {
                    field.append(quote)
                    state = .quoted
                } else if byte == delimiter {
                    endField()
                } else if isNewline {
                    endField()
                    try endRecord(emit: emit)
                } else if isBlank {
                    state = .afterClosingQuote
                } else {
                    // Text after a closing quote: keep it so the report shows the value, but flag the row.
                    noteMisplacedQuote()
                    field.append(byte)
                    fieldTrimmedLength = field.count
                    state = .unquoted
                }
            }
        }
    }

    /// Most fields are unquoted and end within the chunk they start in: such a field becomes its
    /// text straight from the chunk, without passing through `field` (whose appends and clearing
    /// were a sixth of the parse), and the loop goes on at the delimiter or line ending after it.
    /// Nil, and nothing done, for any other field: one that holds a quote or runs past the chunk
    /// is read as before.
    private mutating func takeWholeField(
        _ chunk: UnsafeRawBufferPointer, from start: Int, delimiter: UInt8, trimTabs: Bool
    ) throws -> Int? {
        let quote = UInt8(ascii: "\"")
        let stop = Self.endOfPlainBytes(chunk, from: start + 1, delimiter: delimiter, quote: quote)
        guard stop < chunk.count, chunk[stop] != quote else { return nil }
        // The first byte is counted already, as the loop counts every byte it reads.
        try countRecordBytes(stop - start - 1)
        var end = stop
        while Self.isBlank(chunk[end - 1], trimTabs: trimTabs) { end -= 1 }
        fields.append(String(decoding: UnsafeRawBufferPointer(rebasing: chunk[start..<end]), as: UTF8.self))
        recordHasContent = true
        state = .fieldTaken
        return stop
    }

    /// Where the bytes from `start` stop being plain: the first delimiter, quote or line ending
    /// (the chunk's end if none). Plain bytes inside a field only join it.
    private static func endOfPlainBytes(
        _ chunk: UnsafeRawBufferPointer, from start: Int, delimiter: UInt8, quote: UInt8
    ) -> Int {
        var index = start
        while index < chunk.count {
            let byte = chunk[index]
            if byte == delimiter || byte == quote || byte == 0x0A || byte == 0x0D { return index }
            index += 1
        }
        return index
    }

    /// Plain bytes inside a field, as the loop would add them one by one: they count towards the
    /// record's limit, and in an unquoted field its trimmed length ends after the last non-blank.
    private mutating func appendPlain(_ bytes: UnsafeRawBufferPointer, trimTabs: Bool) throws {
        try countRecordBytes(bytes.count)
        previousWasCR = false
        field.append(contentsOf: bytes)
        guard state == .unquoted else { return }
        var trailingBlanks = 0
        while trailingBlanks < bytes.count,
            Self.isBlank(bytes[bytes.count - 1 - trailingBlanks], trimTabs: trimTabs)
        {
            trailingBlanks += 1
        }
        if trailingBlanks < bytes.count { fieldTrimmedLength = field.count - trailingBlanks }
    }

    /// `count` more bytes of the record being read, which must stay within the limit.
    private mutating func countRecordBytes(_ count: Int) throws {
        recordBytes += count
        if recordBytes > maxRecordBytes {
            throw FileError.recordTooLong(line: recordStartLine, limit: maxRecordBytes)
        }
    }

    /// What an unquoted field is trimmed of: spaces, and tabs unless they are the delimiter.
    private static func isBlank(_ byte: UInt8, trimTabs: Bool) -> Bool {
        byte == 0x20 || (trimTabs && byte == 0x09)
    }

    private mutating func noteMisplacedQuote() {
        if misplacedQuoteColumn == nil { misplacedQuoteColumn = fields.count + 1 }
    }

    private mutating func endField() {
        guard state != .fieldTaken else {
            state = .fieldStart
            return
        }
        let wasQuoted = state != .unquoted && state != .fieldStart
        let length = wasQuoted ? field.count : fieldTrimmedLength
        if length > 0 { recordHasContent = true }
        fields.append(String(decoding: field[0..<length], as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        fieldTrimmedLength = 0
        state = .fieldStart
    }

    private mutating func endRecord(emit: (CSVRecord) throws -> Void) throws {
        // Blank lines, and rows whose every field is empty (spreadsheets pad with ",,,," or
        // "","",""), carry nothing.
        if recordHasContent {
            try emit(
                CSVRecord(line: recordStartLine, fields: fields, misplacedQuoteColumn: misplacedQuoteColumn))
        }
        fields.removeAll(keepingCapacity: true)
        recordHasContent = false
        misplacedQuoteColumn = nil
        recordBytes = 0
        recordStartLine = line
    }
}
