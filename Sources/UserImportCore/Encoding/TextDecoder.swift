/// Turns the raw bytes of a dropped file into validated UTF-8, chunk by chunk.
///
/// UTF-8 passes through untouched once validated (no copy); UTF-16 with a BOM and a configured
/// single-byte fallback are transcoded. Nothing is ever replaced by U+FFFD: a byte that does not
/// decode is a `FileError` naming its offset in the original file.
public struct TextDecoder: Sendable {
    public private(set) var encoding: InputEncoding?
    private let forced: InputEncoding?
    private var head: [UInt8] = []
    private var offset = 0  // bytes of the original file consumed so far
    private var output: [UInt8] = []

    // UTF-8 validation state carried across chunks.
    private var continuationBytesNeeded = 0
    private var nextLow: UInt8 = 0x80
    private var nextHigh: UInt8 = 0xBF
    private var sequenceStart = 0

    // UTF-16 state carried across chunks.
    private var oddByte: UInt8?
    private var highSurrogate: UInt16?
    private var highSurrogateOffset = 0

    /// - Parameter forced: decode with this encoding instead of detecting one (used to retry a
    ///   file that was not UTF-8 with the configured fallback).
    public init(forced: InputEncoding? = nil) {
        self.forced = forced
    }

    /// Feeds one chunk; `body` receives the UTF-8 text it decodes to (possibly nothing yet).
    public mutating func decode(
        _ chunk: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        if encoding == nil {
            head.append(contentsOf: chunk)
            if head.count < 4 { return }
            try decideEncoding()
            let buffered = head
            head = []
            try buffered.withUnsafeBytes { try decodeKnown($0, body) }
            return
        }
        try decodeKnown(chunk, body)
    }

    /// Call at end of file: flushes what was held back and rejects a truncated sequence.
    public mutating func finish(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        if encoding == nil {
            try decideEncoding()
            let buffered = head
            head = []
            try buffered.withUnsafeBytes { try decodeKnown($0, body) }
        }
        switch encoding {
        case .utf8, .utf8WithBOM:
            if continuationBytesNeeded > 0 { throw FileError.invalidUTF8(offset: sequenceStart) }
        case .utf16LittleEndian, .utf16BigEndian:
            if oddByte != nil { throw FileError.invalidUTF16(offset: offset - 1) }
            if highSurrogate != nil { throw FileError.invalidUTF16(offset: highSurrogateOffset) }
        default:
            break
        }
    }

    private mutating func decideEncoding() throws {
        let decided: InputEncoding
        if let forced {
            decided = forced
        } else {
            if let kind = Self.binaryKind(head) {
                throw FileError.notText(offset: 0, looksLike: kind)
            }
            decided =
                InputEncoding.markedByByteOrderMark.first { head.starts(with: $0.byteOrderMark) } ?? .utf8
        }
        encoding = decided
        // Stripped also when forced: a second read with the encoding the first one detected
        // (strict mode's report pass) must not turn its byte-order mark into text.
        let mark = decided.byteOrderMark
        if !mark.isEmpty && head.starts(with: mark) {
            head.removeFirst(mark.count)
            offset = mark.count
        }
    }

    /// Names the formats people most often rename to .csv by mistake, for a useful message.
    private static func binaryKind(_ b: [UInt8]) -> String? {
        if b.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            return "a ZIP archive (an .xlsx or .ods spreadsheet?)"
        }
        if b.starts(with: Array("%PDF".utf8)) { return "a PDF document" }
        if b.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) { return "an old Excel .xls workbook" }
        if b.count >= 2, (b[0] == 0 && b[1] != 0) || (b[0] != 0 && b[1] == 0) {
            return "UTF-16 without a byte-order mark"
        }
        return nil
    }

    private mutating func decodeKnown(
        _ chunk: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        switch encoding {
        case .utf8, .utf8WithBOM, nil:
            try validateUTF8(chunk)
            offset += chunk.count
            try body(chunk)
        case .utf16LittleEndian, .utf16BigEndian:
            output.removeAll(keepingCapacity: true)
            try transcodeUTF16(chunk, bigEndian: encoding == .utf16BigEndian)
            try output.withUnsafeBytes { try body($0) }
        case .windows1252, .latin1:
            output.removeAll(keepingCapacity: true)
            try transcodeSingleByte(chunk)
            offset += chunk.count
            try output.withUnsafeBytes { try body($0) }
        }
    }

    private mutating func validateUTF8(_ chunk: UnsafeRawBufferPointer) throws {
        var index = 0
        while index < chunk.count {
            // Fast path: eight ASCII bytes, none of them NUL, need no state at all.
            if continuationBytesNeeded == 0, index + 8 <= chunk.count {
                let word = chunk.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let hasHighBit = word & 0x8080_8080_8080_8080 != 0
                let hasZeroByte = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0
                if !hasHighBit && !hasZeroByte {
                    index += 8
                    continue
                }
            }
            let byte = chunk[index]
            index += 1
            if continuationBytesNeeded > 0 {
                guard byte >= nextLow && byte <= nextHigh else {
                    throw FileError.invalidUTF8(offset: sequenceStart)
                }
                continuationBytesNeeded -= 1
                nextLow = 0x80
                nextHigh = 0xBF
                continue
            }
            if byte < 0x80 {
                if byte == 0 { throw FileError.notText(offset: offset + index - 1, looksLike: nil) }
                continue
            }
            sequenceStart = offset + index - 1
            // Unicode Table 3-7: well-formed UTF-8 byte sequences.
            switch byte {
            case 0xC2...0xDF: continuationBytesNeeded = 1
            case 0xE0: (continuationBytesNeeded, nextLow) = (2, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: continuationBytesNeeded = 2
            case 0xED: (continuationBytesNeeded, nextHigh) = (2, 0x9F)
            case 0xF0: (continuationBytesNeeded, nextLow) = (3, 0x90)
            case 0xF1...0xF3: continuationBytesNeeded = 3
            case 0xF4: (continuationBytesNeeded, nextHigh) = (3, 0x8F)
            default: throw FileError.invalidUTF8(offset: sequenceStart)
            }
        }
    }

    private mutating func transcodeUTF16(_ chunk: UnsafeRawBufferPointer, bigEndian: Bool) throws {
        var index = 0
        while index < chunk.count {
            let unitOffset: Int
            let first: UInt8
            let second: UInt8
            if let held = oddByte {
                unitOffset = offset - 1
                first = held
                second = chunk[index]
                oddByte = nil
                index += 1
                offset += 1
            } else if index + 1 < chunk.count {
                unitOffset = offset
                first = chunk[index]
                second = chunk[index + 1]
                index += 2
                offset += 2
            } else {
                oddByte = chunk[index]
                index += 1
                offset += 1
                continue
            }
            let unit = bigEndian ? UInt16(first) << 8 | UInt16(second) : UInt16(second) << 8 | UInt16(first)
            try appendUTF16(unit, at: unitOffset)
        }
    }

    private mutating func appendUTF16(_ unit: UInt16, at unitOffset: Int) throws {
        if let high = highSurrogate {
            guard (0xDC00...0xDFFF).contains(unit) else {
                throw FileError.invalidUTF16(offset: highSurrogateOffset)
            }
            highSurrogate = nil
            let scalar = 0x10000 + (UInt32(high - 0xD800) << 10) + UInt32(unit - 0xDC00)
            appendScalar(scalar)
            return
        }
        switch unit {
        case 0:
            throw FileError.notText(offset: unitOffset, looksLike: nil)
        case 0xD800...0xDBFF:
            highSurrogate = unit
            highSurrogateOffset = unitOffset
        case 0xDC00...0xDFFF:
            throw FileError.invalidUTF16(offset: unitOffset)
        default:
            appendScalar(UInt32(unit))
        }
    }

    private mutating func transcodeSingleByte(_ chunk: UnsafeRawBufferPointer) throws {
        for index in 0..<chunk.count {
            let byte = chunk[index]
            if byte == 0 { throw FileError.notText(offset: offset + index, looksLike: nil) }
            if byte < 0x80 {
                output.append(byte)
            } else if encoding == .windows1252, (0x80...0x9F).contains(byte) {
                let scalar = Self.windows1252High[Int(byte - 0x80)]
                guard scalar != 0 else {
                    throw FileError.undefinedByte(offset: offset + index, encoding: .windows1252)
                }
                appendScalar(scalar)
            } else {
                appendScalar(UInt32(byte))
            }
        }
    }

    private mutating func appendScalar(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// windows-1252 0x80–0x9F; 0 marks the five bytes the code page leaves undefined.
    private static let windows1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
        0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,
        0x017E,
        0x0178,
    ]
}
