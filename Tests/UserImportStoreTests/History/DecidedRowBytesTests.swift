import Testing

@testable import UserImportCore
@testable import UserImportStore

/// A sorted import files its results from the bytes of its results file (`DecidedRowBytes`),
/// not from Strings: stored, they must be the very bytes the same results make as Strings, and
/// be refused for the same reasons.
struct DecidedRowBytesTests {
    /// The rows as a sorted import's results file holds them, each handed to `body` read in place.
    static func readBack(_ rows: [DecidedRow], _ body: (DecidedRowBytes) throws -> Void) throws {
        var bytes: [UInt8] = []
        for row in rows { SpillRecord.append(row, to: &bytes) }
        try SpillRecord.forEachRecord(in: bytes) { try body(try SpillRecord.readDecided(&$0)) }
    }

    static let withCells = [
        RowResult(line: 2, email: "", status: "", outcome: .rejected, reason: "Email ID is empty", cells: []),
        RowResult(
            line: 8, email: "zoë@x", status: "Neu", outcome: .ignored, reason: "unknown status",
            cells: ["zoë@x", "", "Ünïcödé, \"quoted\"", String(repeating: "c", count: 70_000)]),
    ]

    @Test(arguments: [RowChunkTests.rows, RowChunkTests.rowsWithPrevious, withCells])
    func aChunkReadInPlaceIsTheChunkOfItsResults(results: [RowResult]) throws {
        var fromBytes = RowChunkEncoder(reservingCapacity: 16)
        var count = 0
        try Self.readBack(results.map { DecidedRow(result: $0) }) {
            try fromBytes.append($0)
            count += 1
        }
        #expect(count == results.count)
        #expect(fromBytes.bytes == (try RowChunkTests.encode(results)))
        #expect(fromBytes.firstLine == results.first?.line)
    }

    @Test func aPreviousUserOfAnotherEmailIsRefusedAsFromTheResult() throws {
        let result = RowResult(
            line: 4, email: "ann@example.com", status: "Update", outcome: .updated, reason: "profile updated",
            previous: RowChunkTests.user("bob@example.com", .invited))
        var fromStrings = RowChunkEncoder(reservingCapacity: 16)
        #expect(throws: StoreError.previousUserDoesNotFit(line: 4)) { try fromStrings.append(result) }
        try Self.readBack([DecidedRow(result: result)]) { row in
            var fromBytes = RowChunkEncoder(reservingCapacity: 16)
            #expect(throws: StoreError.previousUserDoesNotFit(line: 4)) { try fromBytes.append(row) }
        }
    }

    @Test func rowsReadInPlaceMustRiseAsResultsMust() throws {
        var encoder = RowChunkEncoder(reservingCapacity: 16)
        try encoder.append(RowResult(line: 9, email: "a@b", status: "New", outcome: .created, reason: ""))
        try Self.readBack([
            DecidedRow(result: RowResult(line: 9, email: "c@d", status: "New", outcome: .created, reason: ""))
        ]) { row in
            #expect(throws: StoreError.rowOutOfOrder(line: 9, after: 9)) { try encoder.append(row) }
        }
    }

    @Test func anEmailReadInPlaceIsTheEntryOfItsRecipient() throws {
        let recipient = Recipient(email: "zoë@example.com", firstName: "Zoë", lastName: "O'Brien, Jr.")
        let result = RowResult(
            line: 300, email: recipient.email, status: "New", outcome: .created, reason: "")
        var fromStrings: [UInt8] = []
        OutboxBlockCodec.append(
            line: 300, kind: .activation, email: recipient.email, firstName: recipient.firstName,
            lastName: recipient.lastName, to: &fromStrings)
        var fromBytes: [UInt8] = []
        try Self.readBack([
            DecidedRow(result: result, notification: .init(kind: .activation, recipient: recipient))
        ]) { row in
            let notification = try #require(row.notification)
            OutboxBlockCodec.append(
                line: row.line, kind: notification.kind, email: notification.email,
                firstName: notification.firstName, lastName: notification.lastName, to: &fromBytes)
        }
        #expect(!fromBytes.isEmpty)
        #expect(fromBytes == fromStrings)
    }
}
