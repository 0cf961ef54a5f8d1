/// Which emails an import has added to a directory that was empty when it began, as a Bloom
/// filter: "no" is certain, "maybe" is rarely wrong while it holds no more than `capacity`
/// emails (one in two thousand for the server's default, one in fifty for the file's). The
/// directories ask the database only about the maybes.
///
/// Past `capacity` emails the bits stop changing and the filter keeps only the largest email
/// added since (in Swift's string order, which is the directory's key order for valid emails):
/// an email above it that the bits do not hold was certainly never added. A large file's rows
/// past the ones applied in file order arrive here sorted by email (`SortedImport`), each batch at
/// or above the one before, so they are still answered without a probe, provided the filter
/// filled no earlier than they began (the directories size `capacity` for that); emails in any
/// other order are mostly at or below the largest and asked about.
public struct EmailBloomFilter: Sendable {
    /// Allocated by the first insert: the importer copies the directory into the batch writer
    /// before any, and zeroed bits allocated up front would then be copied whole on that insert
    /// (the caller's copy still sharing them), a second megabyte for the whole import.
    private var bits: [UInt64] = []
    private let words: Int
    private let mask: UInt64
    public private(set) var count = 0
    public let capacity: Int
    /// The largest email added past `capacity`.
    private var largestSinceFull: String?

    /// `bitCount` a power of two (tests make it tiny, so that most answers are wrong maybes).
    public init(bitCount: Int = 1 << 24, capacity: Int = 2_000_000) {
        words = max(1, bitCount / 64)
        mask = UInt64(words * 64 - 1)
        self.capacity = capacity
    }

    public var isFull: Bool { count > capacity }

    public mutating func insert(_ email: String) {
        count += 1
        guard !isFull else {
            if largestSinceFull.map({ $0 < email }) ?? true { largestSinceFull = email }
            return
        }
        if bits.isEmpty { bits = [UInt64](repeating: 0, count: words) }
        let (first, step) = Self.hashes(email)
        // Inline, not through a closure: a closure writing `bits` while a method reads `self`
        // made Swift copy the 2 MiB array for every email.
        for index in UInt64(0)..<Self.positions {
            let bit = (first &+ index &* step) & mask
            bits[Int(bit >> 6)] |= 1 << (bit & 63)
        }
    }

    public func mayContain(_ email: String) -> Bool {
        if let largestSinceFull, email <= largestSinceFull { return true }
        guard !bits.isEmpty else { return false }
        let (first, step) = Self.hashes(email)
        for index in UInt64(0)..<Self.positions {
            let bit = (first &+ index &* step) & mask
            if bits[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { return false }
        }
        return true
    }

    private static let positions: UInt64 = 7

    /// Seven positions from one 64-bit FNV-1a hash (double hashing: h1 + i·h2).
    private static func hashes(_ email: String) -> (first: UInt64, step: UInt64) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in email.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return (hash & 0xffff_ffff, (hash >> 32) | 1)
    }
}
