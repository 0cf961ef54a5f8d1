import Testing
import UserImportCore
import UserImportStore

struct UserListingTests {
    /// `user EMAIL` lists every row that named the address, across imports and chunks, and only
    /// rows whose email is exactly those bytes.
    @Test func lineageFindsEveryRowThatNamedTheAddress() throws {
        let database = try StoreTestDatabase().open()
        let history = ImportHistory(database: database)
        let composed = "zoë@example.com"
        let decomposed = "zoe\u{308}@example.com"
        var expected: [(Int64, Int)] = []
        for _ in 0..<2 {
            let id = try history.begin(
                workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                startedAt: sampleTime)
            var writer = try RowResultWriter(database: database, importID: id)
            for line in 2..<(2 * RowResultWriter.rowsPerChunk + 10) {
                let email: String
                switch line % 700 {
                case 0: email = composed
                case 1: email = decomposed
                case 2: email = "x" + composed
                case 3: email = ""
                default: email = "user\(line)@example.com"
                }
                if email.utf8.elementsEqual(composed.utf8) { expected.append((id, line)) }
                try writer.record(
                    RowResult(line: line, email: email, status: "New", outcome: .created, reason: ""))
            }
            try writer.finish()
        }
        let listing = UserListing(database: database)
        let found = try listing.lineage(email: composed)
        #expect(found.map(\.importID) == expected.map(\.0))
        #expect(found.map(\.row.line) == expected.map(\.1))
        #expect(found.allSatisfy { $0.fileName == "x.csv" && $0.received == sampleTime })
        #expect(try listing.lineage(email: decomposed).map(\.row.line) == [701, 1401, 701, 1401])
        let empty = try listing.lineage(email: "").map(\.row.line)
        #expect(empty == [3, 703, 1403, 3, 703, 1403])
        #expect(try listing.lineage(email: "nobody@example.com").isEmpty)
    }
}
