/// Email validity as the README's "The input format" defines it, and the stored key.
///
/// Local part: an RFC 5322 dot-atom (no quoted strings, no leading/trailing/doubled dot).
/// Domain: LDH labels (WHATWG "valid e-mail address"), at least one dot, no IP literal.
/// Lengths: local part ≤ 64 octets, whole address ≤ 254 octets.
public enum EmailAddress {
    /// The stored key for a valid address (lower-cased; it is all ASCII), or nil when invalid.
    ///
    /// Read in place, without a copy of the bytes or of the domain's labels: every row of a file
    /// asks, and those copies were a tenth of parsing one.
    public static func key(for address: String) -> String? {
        let verdict =
            address.utf8.withContiguousStorageIfAvailable(check)
            ?? Array(address.utf8).withUnsafeBufferPointer(check)
        switch verdict {
        case .invalid: return nil
        case .lowerCase: return address
        case .mixedCase:
            return String(decoding: address.utf8.map(asciiLowercased), as: UTF8.self)
        }
    }

    private enum Verdict {
        case invalid, lowerCase, mixedCase
    }

    private static func check(_ bytes: UnsafeBufferPointer<UInt8>) -> Verdict {
        guard isValid(bytes, minimumLabels: 2) else { return .invalid }
        return bytes.contains(where: { (0x41...0x5A).contains($0) }) ? .mixedCase : .lowerCase
    }

    /// A dot-atom local part of at most 64 octets, the last `@`, a host name of at least
    /// `minimumLabels` labels; at most 254 octets in all.
    private static func isValid(_ bytes: UnsafeBufferPointer<UInt8>, minimumLabels: Int) -> Bool {
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
        return at <= 64 && isDotAtom(UnsafeBufferPointer(rebasing: bytes[..<at]))
            && isHostName(UnsafeBufferPointer(rebasing: bytes[(at + 1)...]), minimumLabels: minimumLabels)
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

    private static func isDotAtom(_ local: UnsafeBufferPointer<UInt8>) -> Bool {
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
        Array(address.utf8).withUnsafeBufferPointer { isValid($0, minimumLabels: 1) }
    }

    /// LDH labels separated by dots, at least `minimumLabels` of them: each 1 to 63 letters,
    /// digits and hyphens, starting and ending with a letter or digit.
    private static func isHostName(_ domain: UnsafeBufferPointer<UInt8>, minimumLabels: Int) -> Bool {
        var labels = 0
        var labelStart = 0
        for index in 0...domain.count {
            guard index == domain.count || domain[index] == UInt8(ascii: ".") else {
                guard isAlphanumeric(domain[index]) || domain[index] == UInt8(ascii: "-") else {
                    return false
                }
                continue
            }
            let count = index - labelStart
            guard count > 0, count <= 63, isAlphanumeric(domain[labelStart]),
                isAlphanumeric(domain[index - 1])
            else { return false }
            labels += 1
            labelStart = index + 1
        }
        return labels >= minimumLabels
    }
}
