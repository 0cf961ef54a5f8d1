import Testing

@testable import UserImportCore
@testable import UserImportStore

struct RowChunkTests {
    static let rows = [
        RowResult(line: 0, email: "", status: "", outcome: .rejected, reason: ""),
        RowResult(
            line: 2, email: "ada@example.com", status: "New", outcome: .created, reason: "invitation queued"),
        RowResult(
            line: 3, email: "zoë@exämple.com", status: "Neu 🙂", outcome: .ignored, reason: "e\u{301}\0tab\t"),
        RowResult(
            line: 1_000_000, email: "far@example.com", status: "Update", outcome: .updated,
            reason: String(repeating: "long reason ", count: 20_000)),
        RowResult(line: Int.max - 1, email: "x", status: "Delete", outcome: .deleted, reason: "y"),
        RowResult(line: Int.max, email: "a@b", status: "Activate", outcome: .activated, reason: ""),
    ]

    static func encode(_ rows: [RowResult]) throws -> [UInt8] {
        var encoder = RowChunkEncoder(reservingCapacity: 16)
        for row in rows { try encoder.append(row) }
        return encoder.bytes
    }

    static func expectCorrupt(
        _ bytes: [UInt8], firstLine: Int64 = 2, rowCount: Int64 = 1,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let rows = try RowChunk.decode(bytes, firstLine: firstLine, rowCount: rowCount)
            Issue.record("decoded \(rows.count) rows from a corrupt chunk", sourceLocation: sourceLocation)
        } catch StoreError.corruptRecord {
        } catch {
            Issue.record("threw \(error), not corruptRecord", sourceLocation: sourceLocation)
        }
        // Rows passed over (the rows-to-fix pass keeps only a few) are checked just the same.
        do {
            let kept = try RowChunk.decode(
                bytes, firstLine: firstLine, rowCount: rowCount, keeping: { _ in false })
            Issue.record(
                "passed over \(kept.rows.count) rows of a corrupt chunk", sourceLocation: sourceLocation)
        } catch StoreError.corruptRecord {
        } catch {
            Issue.record(
                "threw \(error) passing over rows, not corruptRecord", sourceLocation: sourceLocation)
        }
        // The report's lines are written from the bytes: checked just the same.
        do {
            var lines: [UInt8] = []
            _ = try RowChunk.appendReportLines(bytes, firstLine: firstLine, rowCount: rowCount, to: &lines)
            Issue.record("wrote report lines from a corrupt chunk", sourceLocation: sourceLocation)
        } catch StoreError.corruptRecord {
        } catch {
            Issue.record(
                "threw \(error) writing report lines, not corruptRecord", sourceLocation: sourceLocation)
        }
    }

    @Test func rowsRoundTrip() throws {
        let bytes = try Self.encode(Self.rows)
        #expect(try RowChunk.decode(bytes, firstLine: 0, rowCount: Int64(Self.rows.count)) == Self.rows)
    }

    @Test func onlyTheRowsKeptAreMade() throws {
        let bytes = try Self.encode(Self.rows)
        for keep in [RowOutcome.ignored, .rejected, .created] {
            let kept = try RowChunk.decode(
                bytes, firstLine: 0, rowCount: Int64(Self.rows.count), keeping: { $0 == keep })
            #expect(kept.rows == Self.rows.filter { $0.outcome == keep })
            #expect(kept.lastLine == Self.rows.last?.line)
        }
    }

    /// The report writes its lines from the stored bytes: the same lines as from the decoded rows,
    /// formula-like and non-ASCII texts included.
    @Test func reportLinesFromTheBytesAreTheDecodedRowsLines() throws {
        let rows =
            Self.rows + [
                RowResult(line: Int.max, email: "=cmd@x", status: "+New", outcome: .rejected, reason: "-1"),
                RowResult(line: Int.max, email: "@a", status: "ok\u{7F}", outcome: .ignored, reason: "é=x"),
            ]
        for row in rows {
            let bytes = try Self.encode([row])
            var fromBytes: [UInt8] = []
            let last = try RowChunk.appendReportLines(
                bytes, firstLine: Int64(row.line), rowCount: 1, to: &fromBytes)
            var fromRow: [UInt8] = []
            ReportText.appendLine(of: row, to: &fromRow)
            #expect(fromBytes == fromRow, "line \(row.line)")
            #expect(last == row.line)
        }
        let bytes = try Self.encode(Self.rows)
        var all: [UInt8] = []
        _ = try RowChunk.appendReportLines(bytes, firstLine: 0, rowCount: Int64(Self.rows.count), to: &all)
        var expected: [UInt8] = []
        for row in Self.rows { ReportText.appendLine(of: row, to: &expected) }
        #expect(all == expected)
    }

    @Test func everyOutcomeRoundTrips() throws {
        for outcome in RowOutcome.allCases {
            let row = RowResult(line: 5, email: "a", status: "b", outcome: outcome, reason: "c")
            #expect(try RowChunk.decode(try Self.encode([row]), firstLine: 5, rowCount: 1) == [row])
        }
    }

    /// The stored format, byte for byte: changing it breaks every database already written.
    @Test func theFormatIsPinned() throws {
        let rows = [
            RowResult(line: 300, email: "ab", status: "New", outcome: .created, reason: ""),
            RowResult(line: 302, email: "é", status: "", outcome: .rejected, reason: "r", cells: ["é", ""]),
            RowResult(
                line: 303, email: "ab", status: "Update", outcome: .updated, reason: "",
                previous: StoredUser(
                    email: "ab",
                    profile: UserProfile(firstName: "A", lastName: "B", workPhone: "1", department: "é"),
                    state: .active)),
        ]
        let bytes = try Self.encode(rows)
        #expect(
            bytes == [
                3,
                0xAC, 0x02, 0, 2, 0x61, 0x62, 3, 0x4E, 0x65, 0x77, 0, 0, 0,
                2, 6, 2, 0xC3, 0xA9, 0, 1, 0x72, 3, 2, 0xC3, 0xA9, 0, 0,
                1, 1, 2, 0x61, 0x62, 6, 0x55, 0x70, 0x64, 0x61, 0x74, 0x65, 0, 0,
                2, 1, 0x41, 1, 0x42, 0, 1, 0x31, 0, 2, 0xC3, 0xA9,
            ])
        #expect(try RowChunk.decode(bytes, firstLine: 300, rowCount: 3) == rows)
        // Format 2, as builds before previous users wrote it, reads as before, without them.
        let format2: [UInt8] = [
            2,
            0xAC, 0x02, 0, 2, 0x61, 0x62, 3, 0x4E, 0x65, 0x77, 0, 0,
            2, 6, 2, 0xC3, 0xA9, 0, 1, 0x72, 3, 2, 0xC3, 0xA9, 0,
        ]
        #expect(try RowChunk.decode(format2, firstLine: 300, rowCount: 2) == Array(rows[..<2]))
        #expect(!RowChunk.holdsPrevious(format: 2))
        #expect(RowChunk.holdsPrevious(format: RowChunk.format))
        let states = [UserState.invited, .active, .deleted].map(RowChunk.code(of:))
        #expect(states == [0, 1, 2])
        #expect(RowChunk.state(code: 3) == nil)
        // Format 1, as migration 4 and earlier builds wrote it, reads as before, without cells.
        let format1: [UInt8] = [
            1,
            0xAC, 0x02, 0, 2, 0x61, 0x62, 3, 0x4E, 0x65, 0x77, 0,
            2, 6, 2, 0xC3, 0xA9, 0, 1, 0x72,
        ]
        var withoutCells = Array(rows[..<2])
        withoutCells[1].cells = nil
        #expect(try RowChunk.decode(format1, firstLine: 300, rowCount: 2) == withoutCells)
        let codes = [RowOutcome.created, .updated, .unchanged, .deleted, .activated, .ignored, .rejected].map(
            RowChunk.code(of:))
        #expect(codes == [0, 1, 2, 3, 4, 5, 6])
        #expect(RowChunk.outcome(code: 7) == nil)
    }

    @Test func theEncoderStartsOverWithoutForgettingTheLastLine() throws {
        var encoder = RowChunkEncoder(reservingCapacity: 0)
        try encoder.append(Self.rows[1])
        encoder.startNext()
        #expect(encoder.rowCount == 0)
        #expect(encoder.bytes == [RowChunk.format])
        #expect(throws: StoreError.rowOutOfOrder(line: 2, after: 2)) { try encoder.append(Self.rows[1]) }
        try encoder.append(Self.rows[2])
        #expect(encoder.firstLine == 3)
        #expect(try RowChunk.decode(encoder.bytes, firstLine: 3, rowCount: 1) == [Self.rows[2]])
    }

    @Test func linesMustGrow() throws {
        var encoder = RowChunkEncoder(reservingCapacity: 0)
        #expect(throws: StoreError.rowOutOfOrder(line: -1, after: -1)) {
            try encoder.append(RowResult(line: -1, email: "", status: "", outcome: .created, reason: ""))
        }
        try encoder.append(Self.rows[2])
        #expect(throws: StoreError.rowOutOfOrder(line: 2, after: 3)) { try encoder.append(Self.rows[1]) }
        #expect(encoder.rowCount == 1)
    }

    @Test func everyTruncationIsCorrupt() throws {
        let bytes = try Self.encode(Array(Self.rows[1...2]))
        for end in 0..<bytes.count {
            Self.expectCorrupt(Array(bytes[..<end]), rowCount: 2)
        }
    }

    @Test func rowCountMustMatch() throws {
        let bytes = try Self.encode(Array(Self.rows[1...2]))
        #expect(try RowChunk.decode(bytes, firstLine: 2, rowCount: 2).count == 2)
        Self.expectCorrupt(bytes, rowCount: 1)
        Self.expectCorrupt(bytes, rowCount: 3)
        Self.expectCorrupt(bytes, rowCount: 0)
        Self.expectCorrupt(bytes, rowCount: -1)
        Self.expectCorrupt(bytes, rowCount: Int64.max)
        Self.expectCorrupt(bytes + [0], rowCount: 2)
    }

    @Test func theFirstLineMustMatch() throws {
        let bytes = try Self.encode([Self.rows[1]])
        Self.expectCorrupt(bytes, firstLine: 3)
        Self.expectCorrupt(bytes, firstLine: -2)
    }

    // One row at line 2: format, line, outcome, email "a", status "b", reason "".
    static let valid: [UInt8] = [1, 2, 0, 1, 0x61, 1, 0x62, 0]

    @Test func aValidRowDecodes() throws {
        #expect(
            try RowChunk.decode(Self.valid, firstLine: 2, rowCount: 1) == [
                RowResult(line: 2, email: "a", status: "b", outcome: .created, reason: "")
            ])
    }

    @Test func aBadByteAnywhereIsCorrupt() throws {
        var unknownFormat = Self.valid
        unknownFormat[0] = 4
        Self.expectCorrupt(unknownFormat)
        unknownFormat[0] = 0
        Self.expectCorrupt(unknownFormat)
        // Format 2: more cells than bytes left, and a cell cut short.
        var format2 = Self.valid
        format2[0] = 2
        Self.expectCorrupt(format2 + [0x7F, 0])
        Self.expectCorrupt(format2 + [2, 5, 0x61])
        #expect(try RowChunk.decode(format2 + [2, 1, 0x61], firstLine: 2, rowCount: 1).first?.cells == ["a"])
        var unknownOutcome = Self.valid
        unknownOutcome[2] = 7
        Self.expectCorrupt(unknownOutcome)
        unknownOutcome[2] = 0xFF
        Self.expectCorrupt(unknownOutcome)
        var longerThanTheChunk = Self.valid
        longerThanTheChunk[3] = 2
        Self.expectCorrupt(longerThanTheChunk)
        var hugeLength = Self.valid
        hugeLength.replaceSubrange(5...5, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        Self.expectCorrupt(hugeLength)
        var invalidUTF8 = Self.valid
        invalidUTF8[4] = 0xFF
        Self.expectCorrupt(invalidUTF8)
        var truncatedSequence = Self.valid
        truncatedSequence[6] = 0xC3
        Self.expectCorrupt(truncatedSequence)
        var surrogate = Self.valid
        surrogate.replaceSubrange(3...4, with: [3, 0xED, 0xA0, 0x80])
        Self.expectCorrupt(surrogate)
    }

    @Test func varintsPastSixtyThreeBitsAreCorrupt() {
        // The line 2^63: ten bytes, or a ninth byte group beyond Int64.max.
        let tooLarge: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]
        Self.expectCorrupt([1] + tooLarge + Array(Self.valid[2...]))
        Self.expectCorrupt([1] + Array(repeating: 0xFF, count: 20))
        Self.expectCorrupt([1, 2, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
    }

    @Test func linesThatDoNotGrowOrOverflowAreCorrupt() throws {
        let first = Array(Self.valid[1...])
        // A second row at distance 0: the same line twice.
        Self.expectCorrupt([1] + first + [0] + Array(Self.valid[2...]), rowCount: 2)
        // Int.max then one more.
        let last = try Self.encode([Self.rows[5]])
        Self.expectCorrupt(last + [1] + Array(Self.valid[2...]), firstLine: Int64.max, rowCount: 2)
        #expect(try RowChunk.decode(last, firstLine: Int64.max, rowCount: 1) == [Self.rows[5]])
    }
}
