/// Email validity as the README's "The input format" defines it, and the stored key.
///
/// Local part: an RFC 5322 dot-atom (no quoted strings, no leading/trailing/doubled dot).
/// Domain: LDH labels (WHATWG "valid e-mail address"), at least one dot, no IP literal.
/// Lengths: local part ≤ 64 octets, whole address ≤ 254 octets.
public enum EmailAddress {
    /// The stored key for a valid address (lower-cased; it is all ASCII), or nil when invalid.
    public static func key(for address: String) -> String? {
        let bytes = Array(address.utf8)
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return nil }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard isDotAtom(local), local.count <= 64, isHostName(domain) else { return nil }
        if !bytes.contains(where: { (0x41...0x5A).contains($0) }) { return address }
        return String(decoding: bytes.map(asciiLowercased), as: UTF8.self)
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
    }

    private static func isAtextSymbol(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"),
            UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
            UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isDotAtom(_ local: ArraySlice<UInt8>) -> Bool {
        var previousWasDot = true  // so a leading dot is rejected
        for byte in local {
            if byte == UInt8(ascii: ".") {
                if previousWasDot { return false }
                previousWasDot = true
            } else if isAlphanumeric(byte) || isAtextSymbol(byte) {
                previousWasDot = false
            } else {
                return false
            }
        }
        return !previousWasDot
    }

    /// Whether `address` can be the sender of our emails: a user's address, or one on this host
    /// (`userimportd@localhost`, the default), whose domain is a single label.
    public static func isValidSender(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[..<at]
        guard isDotAtom(local), local.count <= 64 else { return false }
        return isHostName(bytes[(at + 1)...], minimumLabels: 1)
    }

    private static func isHostName(_ domain: ArraySlice<UInt8>, minimumLabels: Int = 2) -> Bool {
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= minimumLabels else { return false }
        for label in labels {
            guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
            guard isAlphanumeric(first), isAlphanumeric(last) else { return false }
            guard label.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        return true
    }
}
