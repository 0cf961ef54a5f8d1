/// Whether bytes are well-formed UTF-8 (Unicode, Table 3-7), for text read back from a scratch
/// file of ours: a damaged byte must fail the import, not be stored.
///
/// Written out because `String(validating:)` is generic and not specialised here, and nearly all
/// text is ASCII, which eight bytes at a time settles.
enum UTF8Check {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            if index + 8 <= count,
                bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
                continue
            }
            let byte = bytes[index]
            index += 1
            if byte < 0x80 { continue }
            var needed: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch byte {
            case 0xC2...0xDF: needed = 1
            case 0xE0: (needed, low) = (2, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: needed = 2
            case 0xED: (needed, high) = (2, 0x9F)
            case 0xF0: (needed, low) = (3, 0x90)
            case 0xF1...0xF3: needed = 3
            case 0xF4: (needed, high) = (3, 0x8F)
            default: return false
            }
            while needed > 0 {
                guard index < count, bytes[index] >= low, bytes[index] <= high else { return false }
                (low, high) = (0x80, 0xBF)
                index += 1
                needed -= 1
            }
        }
        return true
    }
}
