/// Which emails an import has added to a directory that was empty when it began, as a Bloom
/// filter: "no" is certain, "maybe" is wrong about one email in two thousand at a million
/// emails. `PostgresUserDirectory` asks the server only about the maybes. 2 MiB whatever the
/// file; past `capacity` emails it says maybe to every email, and every email is asked again.
struct EmailBloomFilter {
    private var bits: [UInt64]
    private let mask: UInt64
    private(set) var count = 0
    let capacity: Int

    /// `bitCount` a power of two (tests make it tiny, so that most answers are wrong maybes).
    init(bitCount: Int = 1 << 24, capacity: Int = 2_000_000) {
        let words = max(1, bitCount / 64)
        bits = [UInt64](repeating: 0, count: words)
        mask = UInt64(words * 64 - 1)
        self.capacity = capacity
    }

    var isFull: Bool { count > capacity }

    mutating func insert(_ email: String) {
        count += 1
        guard !isFull else { return }
        let (first, step) = Self.hashes(email)
        // Inline, not through a closure: a closure writing `bits` while a method reads `self`
        // made Swift copy the 2 MiB array for every email.
        for index in UInt64(0)..<Self.positions {
            let bit = (first &+ index &* step) & mask
            bits[Int(bit >> 6)] |= 1 << (bit & 63)
        }
    }

    func mayContain(_ email: String) -> Bool {
        guard !isFull else { return true }
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
