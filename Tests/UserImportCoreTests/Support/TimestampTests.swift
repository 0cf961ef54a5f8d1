import Testing
import UserImportCore

struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (951_827_696_789, "2000-02-29T12:34:56.789Z"),
        (1_795_572_894_123, "2026-11-25T02:14:54.123Z"),
        (2_147_483_648_000, "2038-01-19T03:14:08.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-14_182_940_000, "1969-07-20T20:17:40.000Z"),
    ])
    func rfc3339(milliseconds: Int64, text: String) {
        #expect(Timestamp(millisecondsSinceEpoch: milliseconds).rfc3339 == text)
    }

    @Test(arguments: [
        ("1970-01-01", Int64(0)),
        ("2000-02-29", 951_782_400_000),
        ("2000-03-01", 951_868_800_000),
        ("1969-12-31", -86_400_000),
    ])
    func firstMillisecondOfDate(text: String, milliseconds: Int64) {
        #expect(Timestamp(rfc3339Date: text)?.millisecondsSinceEpoch == milliseconds)
    }

    @Test(arguments: ["", "2000-13-01", "2000-00-10", "2000-01-32", "2000-01", "yesterday", "2000/01/01"])
    func invalidDateIsNil(text: String) {
        #expect(Timestamp(rfc3339Date: text) == nil)
    }

    @Test func dateRoundTripsThroughRFC3339() throws {
        let day = try #require(Timestamp(rfc3339Date: "2024-02-29"))
        #expect(day.rfc3339 == "2024-02-29T00:00:00.000Z")
    }

    @Test func ordersByTime() {
        #expect(Timestamp(millisecondsSinceEpoch: -5) < Timestamp(millisecondsSinceEpoch: 3))
        #expect(!(Timestamp(millisecondsSinceEpoch: 3) < Timestamp(millisecondsSinceEpoch: 3)))
    }
}
