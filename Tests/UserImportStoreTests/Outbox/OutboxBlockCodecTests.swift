import Testing
import UserImportCore
import UserImportStore

struct OutboxBlockCodecTests {
    static let entries = [
        OutboxBlockEntry(
            line: 2, kind: .invitation, email: "ann@example.com", firstName: "Ann", lastName: "Lee"),
        OutboxBlockEntry(
            line: 3, kind: .activation, email: "zoe@example.com", firstName: "Zoë", lastName: "Ñúñez-王"),
        OutboxBlockEntry(line: 127, kind: .invitation, email: "x@example.com", firstName: "", lastName: ""),
        OutboxBlockEntry(
            line: 128, kind: .invitation, email: "long@example.com",
            firstName: String(repeating: "é", count: 300),
            lastName: "🙂"),
        OutboxBlockEntry(
            line: Int.max, kind: .activation, email: "last@example.com", firstName: "L", lastName: "M"),
    ]

    static func encode(_ entries: [OutboxBlockEntry]) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xFF]
        OutboxBlockCodec.start(&bytes)
        for entry in entries {
            OutboxBlockCodec.append(
                line: entry.line, kind: entry.kind, email: entry.email, firstName: entry.firstName,
                lastName: entry.lastName, to: &bytes)
        }
        return bytes
    }

    static func expectCorrupt(
        _ bytes: [UInt8], count: Int, _ comment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let entries = try OutboxBlockCodec.decode(bytes, count: count)
            Issue.record("\(comment): decoded as \(entries)", sourceLocation: sourceLocation)
        } catch StoreError.corruptRecord {
        } catch {
            Issue.record("\(comment): \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func entriesComeBackAsTheyWent() throws {
        let bytes = Self.encode(Self.entries)
        #expect(try OutboxBlockCodec.decode(bytes, count: Self.entries.count) == Self.entries)
    }

    /// The stored format is a contract with every database already written: pinned byte for byte.
    @Test func theLayoutIsVersionThenLineKindAndThreeLengthPrefixedTexts() {
        let bytes = Self.encode([
            OutboxBlockEntry(line: 300, kind: .activation, email: "a@b", firstName: "É", lastName: "")
        ])
        #expect(bytes == [1, 0xAC, 0x02, 2, 3, 0x61, 0x40, 0x62, 2, 0xC3, 0x89, 0])
    }

    @Test func startingAgainForgetsThePreviousBlock() throws {
        var bytes = Self.encode(Self.entries)
        OutboxBlockCodec.start(&bytes)
        OutboxBlockCodec.append(
            line: 9, kind: .invitation, email: "e", firstName: "f", lastName: "l", to: &bytes)
        #expect(
            try OutboxBlockCodec.decode(bytes, count: 1) == [
                OutboxBlockEntry(line: 9, kind: .invitation, email: "e", firstName: "f", lastName: "l")
            ])
    }

    @Test func everyTruncationIsCorrupt() {
        let bytes = Self.encode(Self.entries)
        for length in 0..<bytes.count {
            Self.expectCorrupt(Array(bytes[0..<length]), count: Self.entries.count, "cut at \(length)")
        }
    }

    @Test func aCountThatDoesNotMatchIsCorrupt() {
        let bytes = Self.encode(Self.entries)
        for count in [0, -1, Self.entries.count - 1, Self.entries.count + 1, Int.max] {
            Self.expectCorrupt(bytes, count: count, "count \(count)")
        }
    }

    @Test func aBadByteAnywhereInTheHeaderOrFieldsIsCorrupt() {
        let one = OutboxBlockEntry(line: 2, kind: .invitation, email: "a@b", firstName: "F", lastName: "L")
        let good = Self.encode([one])
        #expect(good == [1, 2, 1, 3, 0x61, 0x40, 0x62, 1, 0x46, 1, 0x4C])
        var cases: [(String, [UInt8])] = []
        cases.append(("version 2", [2] + good.dropFirst()))
        cases.append(("version 0", [0] + good.dropFirst()))
        cases.append(("kind 0", replacing(good, at: 2, with: 0)))
        cases.append(("kind 3", replacing(good, at: 2, with: 3)))
        cases.append(("line 0", replacing(good, at: 1, with: 0)))
        cases.append(("email length past the end", replacing(good, at: 3, with: 20)))
        cases.append(("invalid UTF-8", replacing(good, at: 8, with: 0xFF)))
        cases.append(("a lone continuation byte", replacing(good, at: 4, with: 0x80)))
        cases.append(("an overlong line", [1, 0x82, 0x00] + good.dropFirst(2)))
        cases.append(
            ("a line past Int.max", [1] + [UInt8](repeating: 0xFF, count: 9) + [0x01] + good.dropFirst(2)))
        cases.append(("a byte after the last entry", good + [0]))
        for (label, bytes) in cases {
            Self.expectCorrupt(bytes, count: 1, "\(label)")
        }
        #expect(throws: Never.self) { try OutboxBlockCodec.decode(good, count: 1) }
    }

    @Test func linesMustRiseWithinABlock() {
        let a = OutboxBlockEntry(line: 5, kind: .invitation, email: "a@b", firstName: "F", lastName: "L")
        var b = a
        b.email = "b@b"
        Self.expectCorrupt(Self.encode([a, b]), count: 2, "the same line twice")
        b.line = 4
        Self.expectCorrupt(Self.encode([a, b]), count: 2, "a line going back")
        b.line = 6
        #expect(throws: Never.self) { try OutboxBlockCodec.decode(Self.encode([a, b]), count: 2) }
    }

    private func replacing(_ bytes: [UInt8], at index: Int, with byte: UInt8) -> [UInt8] {
        var copy = bytes
        copy[index] = byte
        return copy
    }
}
