import Testing
import UserImportCore

struct TextDecoderTests {
    static let chunkSizes = [1, 2, 3, 5, 4096]

    /// Feeds `bytes` in chunks of `chunkSize` and returns the UTF-8 text and the encoding decided.
    static func decode(
        _ bytes: [UInt8], chunkSize: Int, forced: InputEncoding? = nil
    ) throws -> (text: [UInt8], encoding: InputEncoding?) {
        var decoder = TextDecoder(forced: forced)
        var text: [UInt8] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunkSize)
            try bytes[start..<end].withUnsafeBytes { chunk in
                try decoder.decode(chunk) { text.append(contentsOf: $0) }
            }
            start = end
        }
        try decoder.finish { text.append(contentsOf: $0) }
        return (text, decoder.encoding)
    }

    static func decodeError(_ bytes: [UInt8], chunkSize: Int, forced: InputEncoding? = nil) -> FileError? {
        do {
            _ = try decode(bytes, chunkSize: chunkSize, forced: forced)
            return nil
        } catch {
            return error as? FileError
        }
    }

    static func utf16(_ text: String, bigEndian: Bool) -> [UInt8] {
        let bom: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
        return bom
            + text.utf16.flatMap { unit -> [UInt8] in
                let high = UInt8(unit >> 8)
                let low = UInt8(unit & 0xFF)
                return bigEndian ? [high, low] : [low, high]
            }
    }

    static let sample = "Email ID,First Name\nzoë@example.com,Zoë 😀 Łukasz 日本\n"

    // MARK: UTF-8

    @Test(arguments: chunkSizes)
    func utf8PassesThrough(chunkSize: Int) throws {
        let (text, encoding) = try Self.decode(Array(Self.sample.utf8), chunkSize: chunkSize)
        #expect(text == Array(Self.sample.utf8))
        #expect(encoding == .utf8)
    }

    @Test(arguments: chunkSizes)
    func utf8ByteOrderMarkIsStripped(chunkSize: Int) throws {
        let (text, encoding) = try Self.decode(
            [0xEF, 0xBB, 0xBF] + Array(Self.sample.utf8), chunkSize: chunkSize)
        #expect(text == Array(Self.sample.utf8))
        #expect(encoding == .utf8WithBOM)
    }

    /// Strict mode's report pass reads a file again with the encoding the first read detected;
    /// the byte-order mark must not become text (found by the import fuzzer).
    @Test(arguments: chunkSizes)
    func forcingTheDetectedEncodingStillStripsItsByteOrderMark(chunkSize: Int) throws {
        let files = [
            [0xEF, 0xBB, 0xBF] + Array(Self.sample.utf8), Self.utf16(Self.sample, bigEndian: false),
            Self.utf16(Self.sample, bigEndian: true),
        ]
        for bytes in files {
            let detected = try Self.decode(bytes, chunkSize: chunkSize)
            let forced = try Self.decode(bytes, chunkSize: chunkSize, forced: detected.encoding)
            #expect(forced.text == Array(Self.sample.utf8))
            #expect(forced.encoding == detected.encoding)
        }
    }

    @Test(arguments: chunkSizes)
    func shortFilesDecode(chunkSize: Int) throws {
        #expect(try Self.decode(Array("a,b".utf8), chunkSize: chunkSize).text == Array("a,b".utf8))
        #expect(try Self.decode([0xEF, 0xBB, 0xBF], chunkSize: chunkSize).text == [])
        #expect(try Self.decode([], chunkSize: chunkSize).text == [])
    }

    @Test(arguments: chunkSizes)
    func invalidByteIsReportedWithItsOffset(chunkSize: Int) {
        #expect(
            Self.decodeError(Array("abc".utf8) + [0xFF] + Array("def".utf8), chunkSize: chunkSize)
                == .invalidUTF8(offset: 3))
        // After the eight-bytes-at-a-time ASCII fast path.
        let long = Array(String(repeating: "x", count: 37).utf8) + [0xC3, 0x28] + Array("tail".utf8)
        #expect(Self.decodeError(long, chunkSize: chunkSize) == .invalidUTF8(offset: 37))
    }

    @Test(arguments: chunkSizes)
    func offsetCountsTheByteOrderMark(chunkSize: Int) {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("ab".utf8) + [0x80]
        #expect(Self.decodeError(bytes, chunkSize: chunkSize) == .invalidUTF8(offset: 5))
    }

    /// A multi-byte sequence whose bad continuation byte arrives in a later chunk is reported at
    /// the sequence's first byte.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7])
    func sequenceSplitAcrossChunksIsReportedAtItsStart(chunkSize: Int) {
        let bytes = Array("abcdef".utf8) + [0xE2, 0x82, 0x41] + Array("zz".utf8)
        #expect(Self.decodeError(bytes, chunkSize: chunkSize) == .invalidUTF8(offset: 6))
    }

    @Test(arguments: chunkSizes)
    func truncatedSequenceAtEndOfFile(chunkSize: Int) {
        #expect(
            Self.decodeError(Array("abcdef".utf8) + [0xE2, 0x82], chunkSize: chunkSize)
                == .invalidUTF8(offset: 6))
        #expect(Self.decodeError([0x61, 0xC3], chunkSize: chunkSize) == .invalidUTF8(offset: 1))
        #expect(
            Self.decodeError(Array("abcdef".utf8) + [0xF0, 0x9F, 0x98], chunkSize: chunkSize)
                == .invalidUTF8(offset: 6))
    }

    @Test(
        arguments: [
            [0xC0, 0x80],  // overlong NUL
            [0xC1, 0xBF],  // overlong "?"
            [0xE0, 0x80, 0xAF],  // overlong "/"
            [0xED, 0xA0, 0x80],  // UTF-16 high surrogate D800
            [0xED, 0xBF, 0xBF],  // low surrogate DFFF
            [0xF0, 0x80, 0x80, 0x80],  // overlong 4-byte
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xF5, 0x80, 0x80, 0x80],
            [0x80],  // lone continuation byte
            [0xFE],
        ] as [[UInt8]])
    func illFormedSequencesAreRejected(sequence: [UInt8]) {
        for chunkSize in Self.chunkSizes {
            let bytes = Array("ok,".utf8) + sequence + Array(",more\n".utf8)
            #expect(Self.decodeError(bytes, chunkSize: chunkSize) == .invalidUTF8(offset: 3))
        }
    }

    @Test(arguments: chunkSizes)
    func largestScalarsAreAccepted(chunkSize: Int) throws {
        let text = "a\u{7F}\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}z"
        #expect(try Self.decode(Array(text.utf8), chunkSize: chunkSize).text == Array(text.utf8))
    }

    @Test(arguments: chunkSizes)
    func nulByteIsNotText(chunkSize: Int) {
        #expect(
            Self.decodeError(Array("abc\0def".utf8), chunkSize: chunkSize)
                == .notText(offset: 3, looksLike: nil))
        let late = Array(String(repeating: "y", count: 21).utf8) + [0] + Array("more".utf8)
        #expect(Self.decodeError(late, chunkSize: chunkSize) == .notText(offset: 21, looksLike: nil))
    }

    // MARK: Formats renamed to .csv by mistake

    @Test(
        arguments: [
            ([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00], "ZIP"),
            (Array("%PDF-1.7\n%âãÏÓ".utf8), "PDF"),
            ([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], ".xls"),
            (Array("E\0m\0a\0i\0l\0".utf8), "UTF-16 without a byte-order mark"),
            (Array("\0E\0m\0a\0i\0l".utf8), "UTF-16 without a byte-order mark"),
        ] as [([UInt8], String)])
    func binaryFormatsAreNamed(bytes: [UInt8], name: String) throws {
        for chunkSize in Self.chunkSizes {
            let error = try #require(Self.decodeError(bytes, chunkSize: chunkSize))
            guard case .notText(let offset, let looksLike) = error else {
                Issue.record("expected notText, got \(error)")
                continue
            }
            #expect(offset == 0)
            #expect(looksLike?.contains(name) == true, "\(String(describing: looksLike))")
            #expect(error.message.contains(name))
            #expect(error.message.contains("CSV UTF-8"))
        }
    }

    // MARK: UTF-16

    @Test(arguments: chunkSizes)
    func utf16LittleEndianIsTranscoded(chunkSize: Int) throws {
        let (text, encoding) = try Self.decode(
            Self.utf16(Self.sample, bigEndian: false), chunkSize: chunkSize)
        #expect(String(decoding: text, as: UTF8.self) == Self.sample)
        #expect(encoding == .utf16LittleEndian)
    }

    @Test(arguments: chunkSizes)
    func utf16BigEndianIsTranscoded(chunkSize: Int) throws {
        let (text, encoding) = try Self.decode(Self.utf16(Self.sample, bigEndian: true), chunkSize: chunkSize)
        #expect(String(decoding: text, as: UTF8.self) == Self.sample)
        #expect(encoding == .utf16BigEndian)
    }

    @Test(arguments: chunkSizes)
    func utf16SurrogatePairBecomesOneScalar(chunkSize: Int) throws {
        // U+1F600 is D83D DE00 in UTF-16 and F0 9F 98 80 in UTF-8.
        let bytes: [UInt8] = [0xFF, 0xFE, 0x3D, 0xD8, 0x00, 0xDE, 0x41, 0x00]
        #expect(try Self.decode(bytes, chunkSize: chunkSize).text == [0xF0, 0x9F, 0x98, 0x80, 0x41])
    }

    @Test(arguments: chunkSizes)
    func unpairedSurrogateIsInvalidUTF16(chunkSize: Int) {
        // High surrogate followed by "A".
        #expect(
            Self.decodeError([0xFF, 0xFE, 0x41, 0x00, 0x00, 0xD8, 0x41, 0x00], chunkSize: chunkSize)
                == .invalidUTF16(offset: 4))
        // Low surrogate on its own (big-endian).
        #expect(
            Self.decodeError([0xFE, 0xFF, 0x00, 0x41, 0xDC, 0x00, 0x00, 0x41], chunkSize: chunkSize)
                == .invalidUTF16(offset: 4))
        // High surrogate at end of file.
        #expect(
            Self.decodeError([0xFF, 0xFE, 0x41, 0x00, 0x3D, 0xD8], chunkSize: chunkSize)
                == .invalidUTF16(offset: 4))
    }

    @Test(arguments: chunkSizes)
    func oddByteAtEndIsInvalidUTF16(chunkSize: Int) {
        #expect(
            Self.decodeError([0xFF, 0xFE, 0x41, 0x00, 0x42], chunkSize: chunkSize) == .invalidUTF16(offset: 4)
        )
    }

    @Test(arguments: chunkSizes)
    func utf16NulIsNotText(chunkSize: Int) {
        #expect(
            Self.decodeError([0xFF, 0xFE, 0x41, 0x00, 0x00, 0x00, 0x42, 0x00], chunkSize: chunkSize)
                == .notText(offset: 4, looksLike: nil))
    }

    // MARK: Configured fallback

    @Test(arguments: chunkSizes)
    func windows1252IsTranscoded(chunkSize: Int) throws {
        let bytes: [UInt8] = Array("Jos".utf8) + [0xE9, 0x20, 0x80, 0x20, 0x9F, 0x20, 0x93, 0x71, 0x94]
        let (text, encoding) = try Self.decode(bytes, chunkSize: chunkSize, forced: .windows1252)
        #expect(String(decoding: text, as: UTF8.self) == "José € Ÿ “q”")
        #expect(encoding == .windows1252)
    }

    @Test(arguments: chunkSizes)
    func windows1252UndefinedByteIsAnError(chunkSize: Int) {
        for undefined: UInt8 in [0x81, 0x8D, 0x8F, 0x90, 0x9D] {
            #expect(
                Self.decodeError(Array("abcd".utf8) + [undefined], chunkSize: chunkSize, forced: .windows1252)
                    == .undefinedByte(offset: 4, encoding: .windows1252))
        }
    }

    @Test(arguments: chunkSizes)
    func latin1MapsEveryByte(chunkSize: Int) throws {
        let (text, _) = try Self.decode([0x41, 0xE9, 0xFF, 0xA3], chunkSize: chunkSize, forced: .latin1)
        #expect(String(decoding: text, as: UTF8.self) == "Aéÿ£")
    }

    @Test func fallbackNames() {
        #expect(InputEncoding.fallback(named: "Windows-1252") == .windows1252)
        #expect(InputEncoding.fallback(named: "cp1252") == .windows1252)
        #expect(InputEncoding.fallback(named: "latin1") == .latin1)
        #expect(InputEncoding.fallback(named: "UTF-8") == nil)
    }
}
