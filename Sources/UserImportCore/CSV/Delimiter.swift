/// The field separators a dropped file may use, detected from its header row.
public enum Delimiter: UInt8, Sendable, CaseIterable {
    case comma = 0x2C
    case semicolon = 0x3B
    case tab = 0x09
    case pipe = 0x7C

    public var name: String {
        switch self {
        case .comma: return "comma"
        case .semicolon: return "semicolon"
        case .tab: return "tab"
        case .pipe: return "pipe"
        }
    }

    public var character: Character { Character(Unicode.Scalar(rawValue)) }

    public init?(name: String) {
        switch name.lowercased() {
        case "comma", ",": self = .comma
        case "semicolon", ";": self = .semicolon
        case "tab", "\t": self = .tab
        case "pipe", "|": self = .pipe
        default: return nil
        }
    }
}
