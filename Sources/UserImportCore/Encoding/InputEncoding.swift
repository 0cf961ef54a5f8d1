/// The text encodings a dropped file may be in.
public enum InputEncoding: String, Sendable, CaseIterable {
    case utf8 = "UTF-8"
    case utf8WithBOM = "UTF-8 with BOM"
    case utf16LittleEndian = "UTF-16 LE"
    case utf16BigEndian = "UTF-16 BE"
    case windows1252 = "windows-1252"
    case latin1 = "ISO-8859-1"

    /// The bytes that announce this encoding at the start of a file; empty where none does.
    var byteOrderMark: [UInt8] {
        switch self {
        case .utf8WithBOM: [0xEF, 0xBB, 0xBF]
        case .utf16LittleEndian: [0xFF, 0xFE]
        case .utf16BigEndian: [0xFE, 0xFF]
        case .utf8, .windows1252, .latin1: []
        }
    }

    /// The encodings a file announces with a byte-order mark.
    static let markedByByteOrderMark: [InputEncoding] = [.utf8WithBOM, .utf16LittleEndian, .utf16BigEndian]

    /// The encodings an administrator may configure as `FallbackEncoding` for files that are not UTF-8.
    public static func fallback(named name: String) -> InputEncoding? {
        switch name.lowercased() {
        case "windows-1252", "cp1252", "windows1252": return .windows1252
        case "iso-8859-1", "latin1", "latin-1", "iso8859-1": return .latin1
        default: return nil
        }
    }
}
