/// Text read back from a blob of ours, checked to be UTF-8 (a damaged blob must not become text).
enum StoredText {
    /// The bytes as a String, or nil when they are not UTF-8.
    ///
    /// Nearly all stored text is ASCII, which is valid UTF-8 as it stands: that is checked with a
    /// plain loop. `String(validating:as:)` is generic and not specialised here; on every value of
    /// a million-row report it cost more than the rest of reading the rows.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var isASCII = true
        for byte in bytes where byte >= 0x80 {
            isASCII = false
            break
        }
        if isASCII { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Whether `decode` would accept the bytes; a String is made only for text that is not ASCII.
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte >= 0x80 {
            return String(validating: bytes, as: UTF8.self) != nil
        }
        return true
    }
}
