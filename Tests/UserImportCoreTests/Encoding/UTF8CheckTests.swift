import SeededRandom
import Testing

@testable import UserImportCore

/// The check that guards text read back from a scratch file agrees with the standard library's
/// on every sequence: the edges of Table 3-7, and random bytes around them.
struct UTF8CheckTests {
    static func agrees(_ bytes: [UInt8]) -> Bool {
        let expected = String(validating: bytes, as: UTF8.self) != nil
        return bytes.withUnsafeBytes { UTF8Check.isValid($0) } == expected
    }

    @Test func theEdgesOfEachSequenceAreJudgedAsTheStandardLibraryJudgesThem() {
        let cases: [[UInt8]] = [
            [], Array("plain ascii, longer than eight bytes".utf8), Array("zoë 🙂 王".utf8), [0],
            [0x7F], [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2, 0x80], [0xDF, 0xBF], [0xDF],
            [0xE0, 0x9F, 0x80], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
            [0xEF, 0xBF, 0xBF], [0xEF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],
            Array("12345678".utf8) + [0xC3], Array("1234567".utf8) + [0xC3, 0xA9] + Array("12345678".utf8),
        ]
        for bytes in cases { #expect(Self.agrees(bytes), "\(bytes)") }
    }

    @Test func randomBytesAreJudgedAsTheStandardLibraryJudgesThem() {
        var random = SplitMix64(seed: 11)
        let pieces: [[UInt8]] = [
            Array("abcdefgh".utf8), Array("é".utf8), Array("🙂".utf8), Array("王".utf8), [0x80], [0xC3],
            [0xED, 0xA0], [0xF4, 0x90], [0xE0], [0xFF],
        ]
        for _ in 0..<5_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(random.next() % 6) {
                bytes += pieces[Int(random.next() % UInt64(pieces.count))]
            }
            #expect(Self.agrees(bytes), "\(bytes)")
        }
    }
}
