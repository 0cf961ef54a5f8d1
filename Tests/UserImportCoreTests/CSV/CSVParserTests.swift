import SeededRandom
import Testing
import UserImportCore

struct CSVParserTests {
    struct Parsed: Equatable {
        var records: [CSVRecord]
        var delimiter: Delimiter?
    }

    /// Parses `text` fed in chunks of `chunkSize` bytes.
    static func parse(
        _ text: String, chunkSize: Int = .max, maxRecordBytes: Int = 1 << 16, delimiter: Delimiter? = nil
    ) throws -> Parsed {
        let bytes = Array(text.utf8)
        var parser = CSVParser(maxRecordBytes: maxRecordBytes, delimiter: delimiter)
        var records: [CSVRecord] = []
        var start = 0
        while start < bytes.count {
            let end = start + min(chunkSize, bytes.count - start)
            try bytes[start..<end].withUnsafeBytes { chunk in
                try parser.parse(chunk) { records.append($0) }
            }
            start = end
        }
        try parser.finish { records.append($0) }
        return Parsed(records: records, delimiter: parser.delimiter)
    }

    static func fields(_ text: String, chunkSize: Int = .max) throws -> [[String]] {
        try parse(text, chunkSize: chunkSize).records.map(\.fields)
    }

    static func lines(_ text: String) throws -> [Int] {
        try parse(text).records.map(\.line)
    }

    enum Outcome: Equatable {
        case parsed(Parsed)
        case failed(FileError)
        case unexpected(String)
    }

    static func outcome(_ text: String, chunkSize: Int = .max, maxRecordBytes: Int = 1 << 16) -> Outcome {
        do {
            return .parsed(try parse(text, chunkSize: chunkSize, maxRecordBytes: maxRecordBytes))
        } catch let error as FileError {
            return .failed(error)
        } catch {
            return .unexpected("\(error)")
        }
    }

    static func error(_ text: String, chunkSize: Int = .max, maxRecordBytes: Int = 1 << 16) -> FileError? {
        if case .failed(let error) = outcome(text, chunkSize: chunkSize, maxRecordBytes: maxRecordBytes) {
            return error
        }
        return nil
    }

    // MARK: Delimiter detection

    @Test(arguments: [
        ("Email ID,First Name,Last Name\na;b,c|d,e\tf\n", Delimiter.comma, ["a;b", "c|d", "e\tf"]),
        ("Email ID;First Name;Last Name\na,b;c|d;e\tf\n", .semicolon, ["a,b", "c|d", "e\tf"]),
        ("Email ID\tFirst Name\tLast Name\na,b\tc|d\te;f\n", .tab, ["a,b", "c|d", "e;f"]),
        ("Email ID|First Name|Last Name\na,b|c;d|e\tf\n", .pipe, ["a,b", "c;d", "e\tf"]),
        ("Name, with comma;Email ID;Status\na,b;c;d\n", .semicolon, ["a,b", "c", "d"]),
    ])
    func detectsTheHeaderDelimiter(text: String, delimiter: Delimiter, row: [String]) throws {
        let parsed = try Self.parse(text)
        #expect(parsed.delimiter == delimiter)
        #expect(parsed.records.map(\.fields.count) == [3, 3])
        #expect(parsed.records.last?.fields == row)
    }

    @Test func tieGoesToComma() throws {
        #expect(try Self.parse("Email ID;First Name,Last Name;User Status,Title\n").delimiter == .comma)
        #expect(try Self.parse("Email ID;First Name,Last Name\n").delimiter == .comma)
        #expect(try Self.parse("Email\n").delimiter == .comma)
    }

    @Test func delimitersInsideQuotesAreNotCounted() throws {
        let parsed = try Self.parse("\"Last, First, Middle\";Email ID;User Status\nx;y;z\n")
        #expect(parsed.delimiter == .semicolon)
        #expect(
            parsed.records.map(\.fields) == [
                ["Last, First, Middle", "Email ID", "User Status"], ["x", "y", "z"],
            ])
    }

    @Test func blankLinesBeforeTheHeaderAreSkipped() throws {
        let parsed = try Self.parse("\n\r\n   \n\t\t\t\t\nEmail ID;First Name;Last Name\na;b;c\n")
        #expect(parsed.delimiter == .semicolon)
        #expect(
            parsed.records == [
                CSVRecord(line: 5, fields: ["Email ID", "First Name", "Last Name"]),
                CSVRecord(line: 6, fields: ["a", "b", "c"]),
            ])
    }

    /// More blank bytes before the header than MaxRecordBytes: the delimiter was guessed (comma)
    /// before the header arrived when they came in several reads (found by the import fuzzer).
    @Test(arguments: [1, 7, 64, Int.max])
    func manyBlankLinesBeforeTheHeaderStillDetectTheDelimiter(chunkSize: Int) throws {
        let blank = String(repeating: " \t\r\n", count: 100)
        let parsed = try Self.parse(
            blank + "Email ID;First Name\na;b\n", chunkSize: chunkSize, maxRecordBytes: 64)
        #expect(parsed.delimiter == .semicolon)
        #expect(
            parsed.records == [
                CSVRecord(line: 101, fields: ["Email ID", "First Name"]),
                CSVRecord(line: 102, fields: ["a", "b"]),
            ])
    }

    /// The blank lines are not held until the header comes: the look-ahead stays bounded.
    @Test func blankLinesBeforeTheHeaderAreNotBuffered() throws {
        var parser = CSVParser(maxRecordBytes: 64)
        let blank = Array(String(repeating: "\n", count: 16).utf8)
        var maxBuffered = 0
        for _ in 0..<10_000 {
            try blank.withUnsafeBytes { try parser.parse($0) { _ in } }
            maxBuffered = max(maxBuffered, parser.bufferedBytes)
        }
        #expect(parser.delimiter == nil)
        #expect(maxBuffered < 1024)
    }

    @Test func givenDelimiterIsUsed() throws {
        let parsed = try Self.parse("a;b,c;d\n", delimiter: .comma)
        #expect(parsed.records.map(\.fields) == [["a;b", "c;d"]])
    }

    // MARK: RFC 4180 quoting

    @Test func quotedFieldsHoldDelimitersQuotesAndNewlines() throws {
        let text = "h1,h2,h3\n\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\"\n\"x\r\ny\",\"\",z\n"
        #expect(
            try Self.fields(text) == [
                ["h1", "h2", "h3"],
                ["a,b", "say \"hi\"", "line1\nline2"],
                ["x\r\ny", "", "z"],
            ])
    }

    @Test func recordsAfterQuotedNewlinesStartFurtherDown() throws {
        let text = "h1,h2\n\"a\nb\nc\",d\ne,f\r\n\"g\r\nh\",i\r\nj,k"
        #expect(try Self.lines(text) == [1, 2, 5, 6, 8])
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func lineEndings(ending: String) throws {
        let text = ["h1,h2", "a,b", "", "c,d", ""].joined(separator: ending)
        let parsed = try Self.parse(text)
        #expect(
            parsed.records == [
                CSVRecord(line: 1, fields: ["h1", "h2"]),
                CSVRecord(line: 2, fields: ["a", "b"]),
                CSVRecord(line: 4, fields: ["c", "d"]),
            ])
    }

    @Test func blankAndAllEmptyRowsAreSkipped() throws {
        let text = "h1,h2,h3\n\n,,\n  ,\t, \n   \na,b,c\n\r\n,,,\n"
        let parsed = try Self.parse(text)
        #expect(parsed.records.map(\.fields) == [["h1", "h2", "h3"], ["a", "b", "c"]])
        #expect(parsed.records.map(\.line) == [1, 6])
    }

    @Test func allEmptyQuotedRowsAreSkipped() throws {
        #expect(
            try Self.fields("h1,h2,h3\n\"\",\"\",\"\"\n\"\", ,\na,\"\",\"\"\n") == [
                ["h1", "h2", "h3"], ["a", "", ""],
            ])
    }

    @Test func unquotedFieldsAreTrimmedQuotedOnesAreNot() throws {
        #expect(
            try Self.fields("h1,h2,h3\n  a b  ,\t\"  c \"\t,\" \"\n") == [
                ["h1", "h2", "h3"], ["a b", "  c ", " "],
            ])
    }

    @Test func tabsAreKeptInTabDelimitedFiles() throws {
        // With tab as the delimiter an empty leading column stays a column.
        #expect(try Self.fields("h1\th2\th3\n\tb\t c \n") == [["h1", "h2", "h3"], ["", "b", "c"]])
    }

    @Test func spacesAroundQuotedFieldsAreAllowed() throws {
        let records = try Self.parse("h1,h2,h3\na, \"b\" ,c\n").records
        #expect(records.last == CSVRecord(line: 2, fields: ["a", "b", "c"], misplacedQuoteColumn: nil))
    }

    @Test(arguments: [
        ("h1,h2,h3\nx,ab\"c,y\n", 2, "ab\"c"),
        ("h1,h2,h3\nx,y,\"ab\"c\n", 3, "abc"),
        ("h1,h2,h3\nab\"c,\"d\"e,y\n", 1, "ab\"c"),
    ])
    func misplacedQuoteIsFlaggedWithItsColumn(text: String, column: Int, value: String) throws {
        let record = try #require(try Self.parse(text).records.last)
        #expect(record.misplacedQuoteColumn == column)
        #expect(record.fields[column - 1] == value)
        #expect(record.fields.count == 3)
    }

    @Test func wellFormedRowHasNoMisplacedQuote() throws {
        #expect(try Self.parse("h1,h2\n\"a\"\"b\",c\n").records.allSatisfy { $0.misplacedQuoteColumn == nil })
    }

    @Test func lastRecordNeedsNoNewline() throws {
        #expect(try Self.fields("h1,h2\na,b") == [["h1", "h2"], ["a", "b"]])
        #expect(try Self.fields("h1,h2\na,") == [["h1", "h2"], ["a", ""]])
        #expect(try Self.fields("h1,h2\na,\"b\"") == [["h1", "h2"], ["a", "b"]])
        #expect(try Self.fields("h1,h2") == [["h1", "h2"]])
    }

    @Test func emptyInputHasNoRecords() throws {
        #expect(try Self.parse("").records.isEmpty)
        #expect(try Self.parse("\n\n \r\n").records.isEmpty)
    }

    // MARK: File errors

    @Test func unterminatedQuoteNamesTheLineItOpened() {
        #expect(Self.error("h1,h2\na,b\nc,\"d\ne,f\n") == .unterminatedQuote(line: 3))
        #expect(Self.error("\"h1,h2\na,b\n") == .unterminatedQuote(line: 1))
        #expect(Self.error("h1,h2\r\na,b\r\r\n\"c") == .unterminatedQuote(line: 4))
        // The second quoted field of a record that already spans lines opens further down.
        #expect(Self.error("h1,h2,h3\na,\"b\nc\",\"d\ne\n") == .unterminatedQuote(line: 3))
    }

    @Test func recordOverTheLimitIsTooLong() {
        let long = String(repeating: "x", count: 100)
        #expect(
            Self.error("h1,h2\na,b\n\(long),y\n", maxRecordBytes: 64) == .recordTooLong(line: 3, limit: 64))
        // An unterminated quote in a big file stops at the limit instead of reading on.
        let rows = String(repeating: "a,b\n", count: 50)
        #expect(Self.error("h1,h2\nx,\"y\n\(rows)", maxRecordBytes: 64) == .recordTooLong(line: 2, limit: 64))
    }

    @Test func recordsUnderTheLimitAreFine() throws {
        let field = String(repeating: "x", count: 50)
        #expect(try Self.parse("h1,h2\n\(field),y\n", maxRecordBytes: 64).records.count == 2)
        let quoted = "h1,h2\n\(field),\"\(field)\"\n"
        #expect(try Self.parse(quoted, maxRecordBytes: 105).records.count == 2)
        #expect(Self.error(quoted, maxRecordBytes: 64) == .recordTooLong(line: 2, limit: 64))
    }

    /// The limit is the record's own bytes; the line ending that closes it does not count, a
    /// quoted one does.
    /// In chunks of one byte, of three and whole: a field taken whole from its chunk counts the
    /// same bytes as one read byte by byte, trailing blanks included.
    @Test(arguments: ["\n", "\r\n", "\r", ""], [1, 3, Int.max])
    func limitIsInclusive(ending: String, chunkSize: Int) throws {
        let exact = String(repeating: "x", count: 62) + ",y"
        #expect(
            try Self.parse("h\n" + exact + ending, chunkSize: chunkSize, maxRecordBytes: 64).records.count
                == 2)
        #expect(
            Self.error("h\n" + exact + "z" + ending, chunkSize: chunkSize, maxRecordBytes: 64)
                == .recordTooLong(line: 2, limit: 64))
        let padded = String(repeating: "x", count: 61) + "  ,y"
        #expect(
            Self.error("h\n" + padded + ending, chunkSize: chunkSize, maxRecordBytes: 64)
                == .recordTooLong(line: 2, limit: 64))
        let quoted = "\"" + String(repeating: "x", count: 62) + "\n\""
        #expect(
            Self.error("h\n" + quoted + ending, chunkSize: chunkSize, maxRecordBytes: 64)
                == .recordTooLong(line: 2, limit: 64))
    }

    @Test func headerOverTheLimitIsTooLong() {
        let header = String(repeating: "h", count: 200)
        #expect(
            Self.error("\(header),x\n", chunkSize: 16, maxRecordBytes: 64)
                == .recordTooLong(line: 1, limit: 64))
    }

    // MARK: Chunk-size independence

    static let trickyInputs = [
        "Email ID, First Name ,Last Name,User Status\r\na@b.c, \"Ann, \"\"A\"\"\" ,Lee,New\r\n\r\n,,,\r\nx@y.z,\"multi\r\nline\",Z,Update",
        "\n\n\"Email\nID\";\"First;Name\";Status\rq;w;e\r\r\"ab\"c;d\"e;f\r",
        "h1|h2|h3\n\"\"\"\"|\"\"|\" \"\n  |  |  \nx|\"y\" |z\n",
        "Email ID\tFirst Name\tStatus\n\"a\tb\"\t c \t\n\t\t\nd\te\tf",
        "é,ü,😀\nZoë,\"Łukasz\n日本\",Ñ\n",
        "h1,h2\n\"open,x\nmore\n",
        "a,b\nc,d\n\n\n",
    ]

    @Test(arguments: trickyInputs)
    func chunkSizeDoesNotChangeTheRecords(text: String) {
        let whole = Self.outcome(text)
        for chunkSize in [1, 2, 3, 4, 5, 7, 11, 16, 64] {
            #expect(Self.outcome(text, chunkSize: chunkSize) == whole, "chunk size \(chunkSize)")
        }
    }

    @Test func randomChunkingMatchesOneChunk() throws {
        var random = SplitMix64(seed: 7)
        // Runs of plain bytes, with blanks inside and at their ends, are copied into a field at
        // once: split anywhere, they must make the same fields as they do whole.
        let alphabet: [String] = [
            "a", "b", " ", ",", ";", "\"", "\"\"", "\n", "\r\n", "\r", "é", "\t", "plain text", "  x y  ",
            "\t z\t",
        ]
        for _ in 0..<400 {
            let text = (0..<40).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }.joined()
            let chunkSize = Int(random.next() % 9) + 1
            #expect(
                Self.outcome(text, chunkSize: chunkSize) == Self.outcome(text),
                "\(text.debugDescription) in chunks of \(chunkSize)")
        }
    }

    // MARK: Bounded memory

    /// One million generated rows, fed in 16 KiB chunks, never held in memory as a whole.
    @Test func millionRowsInBoundedMemory() throws {
        var parser = CSVParser(maxRecordBytes: 1 << 20)
        var count = 0
        var lastRecord: CSVRecord?
        var maxBuffered = 0
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 14 + 256)
        let rows = 1_000_000

        func feed() throws {
            try chunk.withUnsafeBytes { bytes in
                try parser.parse(bytes) { record in
                    count += 1
                    lastRecord = record
                }
            }
            maxBuffered = max(maxBuffered, parser.bufferedBytes)
            chunk.removeAll(keepingCapacity: true)
        }

        chunk.append(contentsOf: "Email ID,First Name,Last Name,User Status\n".utf8)
        for index in 1...rows {
            // Every tenth row has a quoted newline, so it spans two physical lines.
            let last = index % 10 == 0 ? "\"Lee\n\(index)\"" : "Lee \(index)"
            chunk.append(contentsOf: "user\(index)@example.com, Ann ,\(last),New\r\n".utf8)
            if chunk.count >= 1 << 14 { try feed() }
        }
        try feed()
        try parser.finish { record in
            count += 1
            lastRecord = record
        }
        #expect(count == rows + 1)
        #expect(lastRecord?.fields == ["user1000000@example.com", "Ann", "Lee\n1000000", "New"])
        #expect(lastRecord?.line == 1 + rows + rows / 10 - 1)
        #expect(maxBuffered <= 64 * 1024, "parser held \(maxBuffered) bytes")
    }
}
