import SeededRandom
import Testing
import UserImportCore
import UserImportStore

/// The first-load filter: never a wrong "no", rarely a wrong "maybe", and once full a certain
/// "no" only above the largest email added since.
struct EmailBloomFilterTests {
    @Test func theFilterNeverForgetsAnEmailAndRarelyImaginesOne() {
        var filter = EmailBloomFilter()
        for number in 0..<100_000 { filter.insert("user\(number)@example.com") }
        #expect((0..<100_000).allSatisfy { filter.mayContain("user\($0)@example.com") })
        let imagined = (0..<100_000).filter { filter.mayContain("other\($0)@example.org") }.count
        #expect(imagined < 100, "\(imagined) of 100,000 wrong maybes")
    }

    /// The rows a first load applies in file order never fill the file's filter: filled inside
    /// their last batch, stored in email order, its largest email would be near the end of the
    /// alphabet and every sorted row after it would be looked up again.
    @Test func theFilesFilterHoldsEveryUserOfTheRowsAppliedInFileOrder() {
        let batches = (Importer.sortedBeyond + Importer.batchSize - 1) / Importer.batchSize
        #expect(SQLiteUserDirectory.firstLoadCapacity >= batches * Importer.batchSize)
    }

    /// Past its capacity the bits stop changing: an email at or below the largest added since is
    /// a maybe, one above it is answered by the bits alone. Emails added in random order are
    /// never forgotten; added in ascending order, the ones above are still told apart.
    @Test func pastItsCapacityTheFilterKeepsTheLargestEmailAddedSince() {
        var small = EmailBloomFilter(bitCount: 1 << 16, capacity: 10)
        for number in 0..<10 { small.insert("a\(number)@example.com") }
        #expect(!small.isFull)
        small.insert("m@example.com")
        #expect(small.isFull)
        #expect(small.mayContain("m@example.com"))
        #expect(small.mayContain("b@example.com"), "below the largest: asked about")
        #expect(!small.mayContain("n@example.com"), "above it and never added")
        #expect((0..<10).allSatisfy { small.mayContain("a\($0)@example.com") })

        var random = SplitMix64(seed: 7)
        var shuffled = EmailBloomFilter(bitCount: 1 << 12, capacity: 100)
        let emails = (0..<5_000).map { _ in "u\(Int.random(in: 0..<1_000_000, using: &random))@example.com" }
        for email in emails { shuffled.insert(email) }
        #expect(emails.allSatisfy { shuffled.mayContain($0) })

        var ascending = EmailBloomFilter(bitCount: 1 << 16, capacity: 100)
        let sorted = (0..<2_000).map { "s\(String($0 + 10_000))@example.com" }
        for email in sorted.prefix(1_000) { ascending.insert(email) }
        #expect(sorted.prefix(1_000).allSatisfy { ascending.mayContain($0) })
        let unseen = sorted.suffix(1_000).filter { ascending.mayContain($0) }.count
        #expect(unseen < 50, "\(unseen) of 1,000 emails above the largest taken for maybes")
    }
}
