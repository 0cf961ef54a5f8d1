import SeededRandom
import Testing

@testable import UserImportCore

struct SHA256Tests {
    /// FIPS 180-4 examples (and the NIST "long message" vectors).
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func fipsVector(message: String, digest: String) {
        #expect(SHA256.hex(of: Array(message.utf8)) == digest)
    }

    /// The SHA extensions (where this CPU has them) and the Swift rounds give the same digests:
    /// every length across a few blocks, fed in random pieces, and the FIPS vectors. Shown as
    /// skipped on a CPU without them, where both would be the Swift rounds.
    @Test(.enabled(if: SHA256.hasHardware, "this CPU has no SHA extensions"))
    func theHardwareAndTheSwiftRoundsAgree() {
        var random = SplitMix64(seed: 2026)
        let message = (0..<4_096).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        for length in Array(0...300) + [1_000, 4_095, 4_096] {
            var swift = SHA256(hardware: false)
            var chosen = SHA256()
            var start = 0
            while start < length {
                let end = min(length, start + 1 + Int(random.next() % 200))
                swift.update(message[start..<end])
                chosen.update(message[start..<end])
                start = end
            }
            #expect(swift.finalizeHex() == chosen.finalizeHex(), "length \(length)")
        }
        var swift = SHA256(hardware: false)
        swift.update(Array("abc".utf8))
        #expect(swift.finalizeHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func oneMillionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(
            SHA256.hex(of: message) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundaries (55/56 bytes fit one or two final blocks), checked
    /// against `sha256sum`.
    @Test(arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
    ])
    func paddingBoundary(length: Int, digest: String) {
        #expect(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: length)) == digest)
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func chunkedUpdatesMatchOneUpdate(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let message = (0..<10_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var hasher = SHA256()
        var start = 0
        while start < message.count {
            let end = min(message.count, start + Int(random.next() % 150))
            hasher.update(message[start..<end])
            start = end
        }
        #expect(hasher.finalizeHex() == SHA256.hex(of: message))
    }

    @Test func chunkedOneMillionAMatchesTheVector() {
        var random = SplitMix64(seed: 42)
        var hasher = SHA256()
        var remaining = 1_000_000
        while remaining > 0 {
            let size = min(remaining, Int(random.next() % 5000))
            hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: size))
            remaining -= size
        }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func nonContiguousCollectionHashesLikeAnArray() {
        let lazy = (0..<200).lazy.map { UInt8($0) }
        var hasher = SHA256()
        hasher.update(lazy)
        #expect(hasher.finalizeHex() == SHA256.hex(of: Array(lazy)))
    }

    @Test func rawBufferUpdateHashesLikeAnArray() {
        let message = Array("The quick brown fox jumps over the lazy dog".utf8)
        var hasher = SHA256()
        message.withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalizeHex() == "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")
    }
}
