/// A strict RFC 8259 reader, enough to prove that the JSON the reports write is JSON and says
/// what the rows say.
struct JSONCheck {
    indirect enum Value: Equatable {
        case object([String: Value])
        case array([Value])
        case string(String)
        case number
        case bool
        case null
    }

    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// The one value the text holds, with nothing but whitespace around it; nil when not JSON.
    mutating func document() -> Value? {
        guard let value = value() else { return nil }
        skipSpace()
        return offset == bytes.count ? value : nil
    }

    private mutating func value() -> Value? {
        skipSpace()
        guard let byte = peek() else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""): return string().map(Value.string)
        case UInt8(ascii: "t"): return literal("true", .bool)
        case UInt8(ascii: "f"): return literal("false", .bool)
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return number()
        }
    }

    private mutating func object() -> Value? {
        offset += 1
        var members: [String: Value] = [:]
        skipSpace()
        if take(UInt8(ascii: "}")) { return .object(members) }
        repeat {
            skipSpace()
            guard let key = string() else { return nil }
            skipSpace()
            guard take(UInt8(ascii: ":")), let member = value(), members[key] == nil else { return nil }
            members[key] = member
            skipSpace()
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}")) ? .object(members) : nil
    }

    private mutating func array() -> Value? {
        offset += 1
        var elements: [Value] = []
        skipSpace()
        if take(UInt8(ascii: "]")) { return .array(elements) }
        repeat {
            guard let element = value() else { return nil }
            elements.append(element)
            skipSpace()
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? .array(elements) : nil
    }

    private mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
            utf8.removeAll()
        }
        while let byte = peek() {
            offset += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                guard let escaped = peek() else { return nil }
                offset += 1
                switch escaped {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    // The writer escapes only C0 controls this way, never surrogates.
                    guard offset + 4 <= bytes.count,
                        let code = UInt32(
                            String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self), radix: 16),
                        let scalar = Unicode.Scalar(code)
                    else { return nil }
                    offset += 4
                    scalars.append(scalar)
                default: return nil
                }
            case 0..<0x20:
                return nil
            default:
                utf8.append(byte)
            }
        }
        return nil
    }

    private mutating func number() -> Value? {
        let start = offset
        _ = take(UInt8(ascii: "-"))
        var digits = 0
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            offset += 1
            digits += 1
        }
        // Our writer prints integers only; no leading zeros.
        guard digits > 0, digits == 1 || bytes[offset - digits] != UInt8(ascii: "0") else {
            offset = start
            return nil
        }
        return .number
    }

    private mutating func literal(_ word: String, _ value: Value) -> Value? {
        let expected = Array(word.utf8)
        guard bytes.count - offset >= expected.count,
            Array(bytes[offset..<(offset + expected.count)]) == expected
        else { return nil }
        offset += expected.count
        return value
    }

    private func peek() -> UInt8? {
        offset < bytes.count ? bytes[offset] : nil
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        offset += 1
        return true
    }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
    }
}
