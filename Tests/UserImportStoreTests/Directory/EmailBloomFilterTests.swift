import Testing
import UserImportStore

/// The first-load filter: never a wrong "no", rarely a wrong "maybe", and "maybe" to everything
/// once full.
struct EmailBloomFilterTests {
    @Test func theFilterNeverForgetsAnEmailAndRarelyImaginesOne() {
        var filter = EmailBloomFilter()
        for number in 0..<100_000 { filter.insert("user\(number)@example.com") }
        #expect((0..<100_000).allSatisfy { filter.mayContain("user\($0)@example.com") })
        let imagined = (0..<100_000).filter { filter.mayContain("other\($0)@example.org") }.count
        #expect(imagined < 100, "\(imagined) of 100,000 wrong maybes")

        // Past its capacity every answer is maybe: the directory asks the database about each email.
        var small = EmailBloomFilter(bitCount: 1 << 16, capacity: 10)
        for number in 0..<11 { small.insert("u\(number)@example.com") }
        #expect(small.isFull)
        #expect(small.mayContain("never@example.com"))
    }
}
