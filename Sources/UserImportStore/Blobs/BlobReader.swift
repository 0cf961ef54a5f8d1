/// Reads one of our compact blobs (row chunks, outbox blocks) as outside data: every number,
/// length and text is checked, and anything malformed is a corrupt record naming the blob and the
/// byte where it went wrong.
struct BlobReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    /// Names the blob in errors, e.g. "row chunk at line 2".
    private let name: String
    private(set) var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, name: String) {
        self.bytes = bytes
        self.name = name
    }

    var isAtEnd: Bool { position == bytes.count }
    /// Bytes not read yet.
    var remaining: Int { bytes.count - position }

    func corrupt(_ what: String) -> StoreError {
        .corruptRecord("\(name): \(what) at byte \(position)")
    }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw corrupt("truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    /// A non-negative number of at most 63 bits, in its shortest form: one value, one spelling,
    /// so nothing can hide in padding bytes.
    mutating func varint() throws -> Int {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            value |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 {
                guard next != 0 || shift == 0 else { throw corrupt("number not in its shortest form") }
                guard value <= UInt64(Int.max) else { throw corrupt("number too large") }
                return Int(value)
            }
            shift += 7
            // Nine bytes carry 63 bits, all a non-negative Int has.
            guard shift < 63 else { throw corrupt("number too long") }
        }
    }

    /// Passes over a text as `text()` reads it, checked the same way, without making a String.
    mutating func skipText() throws {
        _ = try textBytes()
    }

    /// A text's bytes, checked as `text()` checks them, without making a String: valid while the
    /// blob is.
    mutating func textBytes() throws -> UnsafeBufferPointer<UInt8> {
        let text = try nextText()
        guard StoredText.isValid(text) else { throw corrupt("invalid UTF-8") }
        position += text.count
        return text
    }

    /// A varint length, then that many bytes of UTF-8.
    mutating func text() throws -> String {
        let bytes = try nextText()
        guard let text = StoredText.decode(bytes) else { throw corrupt("invalid UTF-8") }
        position += bytes.count
        return text
    }

    /// The next text's bytes after its length, not yet checked: the position stays at their start
    /// until the caller has checked them, so an error names where the bad text begins.
    private mutating func nextText() throws -> UnsafeBufferPointer<UInt8> {
        let count = try varint()
        guard count <= bytes.count - position else { throw corrupt("text of \(count) bytes") }
        return UnsafeBufferPointer(rebasing: bytes[position..<(position + count)])
    }
}

extension Array where Element == UInt8 {
    /// LEB128: seven bits a byte, low bits first, the high bit set on all but the last.
    mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    /// The UTF-8 length as a varint, then the bytes.
    mutating func appendText(_ text: some BlobText) {
        text.appendBlobText(to: &self)
    }
}

/// Text as a blob of ours stores it: a String, or UTF-8 bytes read in place from a sorted
/// import's results file (`DecidedRowBytes`), which are checked as they are read.
public protocol BlobText {
    /// The UTF-8 length as a varint, then the bytes.
    func appendBlobText(to bytes: inout [UInt8])
}

extension String: BlobText {
    public func appendBlobText(to bytes: inout [UInt8]) {
        let utf8 = self.utf8
        bytes.appendVarint(UInt64(utf8.count))
        // A native string is contiguous: one copy. The fallback (a bridged string) walks it.
        if utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
            bytes.append(contentsOf: utf8)
        }
    }
}

extension UnsafeRawBufferPointer: BlobText {
    public func appendBlobText(to bytes: inout [UInt8]) {
        bytes.appendVarint(UInt64(count))
        bytes.append(contentsOf: self)
    }
}
