/// Makes a value from a dropped file safe to show: visible escapes for control characters, and
/// no leading character that a spreadsheet would read as the start of a formula.
public enum SpreadsheetSafe {
    public static func text(_ value: String) -> String {
        // Most values (every email, most names) are printable ASCII not starting a formula: as is.
        if isPlainASCII(value) { return value }
        var out = ""
        out.unicodeScalars.reserveCapacity(value.unicodeScalars.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || RowValidator.isForbidden(scalar):
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        // =, +, - and @ start formulas in Excel, LibreOffice and Google Sheets (OWASP "CSV injection").
        if let first = out.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) {
            return "'" + out
        }
        return out
    }

    /// Appends `text(_:)` of the UTF-8 `bytes` (valid UTF-8): the bytes as they are when they are
    /// plain ASCII, which needs no String.
    public static func appendText(utf8 bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if isPlainASCII(bytes) {
            out.append(contentsOf: bytes)
        } else {
            out.append(contentsOf: text(String(decoding: bytes, as: UTF8.self)).utf8)
        }
    }

    private static func isPlainASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first else { return true }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"): return false
        default:
            // A loop over the stored bytes: `allSatisfy` on the UTF-8 view was a tenth of a report.
            for byte in bytes where byte < 0x20 || byte >= 0x7F { return false }
            return true
        }
    }

    private static func isPlainASCII(_ value: String) -> Bool {
        if let plain = value.utf8.withContiguousStorageIfAvailable({ isPlainASCII($0) }) { return plain }
        // Only a String bridged from elsewhere has no contiguous UTF-8.
        return Array(value.utf8).withUnsafeBufferPointer { isPlainASCII($0) }
    }
}
