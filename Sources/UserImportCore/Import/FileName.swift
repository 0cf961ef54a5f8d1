/// A file name exactly as the filesystem holds it: bytes, not necessarily UTF-8.
///
/// Names come from outside (SFTP clients, scripts) and may hold newlines, a leading dash or
/// invalid UTF-8; we keep the bytes for every system call and only ever show `display`.
public struct FileName: Hashable, Sendable, Comparable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(_ string: String) {
        self.bytes = Array(string.utf8)
    }

    public static func < (lhs: FileName, rhs: FileName) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// The name as text: valid UTF-8 as it is, each invalid byte as `\xNN`. Reports and logs
    /// escape control characters on top of this.
    public var display: String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var out = ""
        var index = 0
        while index < bytes.count {
            let length = FileName.validSequenceLength(bytes, at: index)
            if length > 0 {
                out += String(decoding: bytes[index..<(index + length)], as: UTF8.self)
                index += length
            } else {
                let hex = String(bytes[index], radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
                index += 1
            }
        }
        return out
    }

    /// What the inbox does with a file of this name (the README's "The input format").
    public enum Kind: Sendable, Equatable {
        case importable
        /// An upload still being written (`.x`, `x~`, `x.part`, …): left alone until renamed.
        case inProgress
        /// Any other name: moved to failed/ with a report saying why.
        case wrongExtension
        /// `release-ID.request`, `reject-ID.request` or `undo-ID.request`, left by `userimportctl
        /// release`, `reject` or `undo` (or by hand): a person's decision, which the file's owner made.
        case request(RequestAction, importID: Int64)
    }

    public var kind: Kind {
        if let request = FileName.request(in: bytes) { return .request(request.0, importID: request.1) }
        let lower = bytes.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
        if lower.first == UInt8(ascii: ".") || lower.last == UInt8(ascii: "~") { return .inProgress }
        for suffix in [".tmp", ".part", ".partial", ".filepart", ".swp", ".crdownload"]
        where lower.count > suffix.utf8.count && lower.reversed().starts(with: suffix.utf8.reversed()) {
            return .inProgress
        }
        for suffix in [".csv", ".txt"]
        where lower.count > suffix.utf8.count && lower.reversed().starts(with: suffix.utf8.reversed()) {
            return .importable
        }
        return .wrongExtension
    }

    /// The request file for `action` on the held import `importID`.
    public static func request(_ action: RequestAction, importID: Int64) -> FileName {
        FileName("\(action.rawValue)-\(importID).request")
    }

    private static func request(in bytes: [UInt8]) -> (RequestAction, Int64)? {
        let suffix = Array(".request".utf8)
        guard bytes.count > suffix.count, bytes.reversed().starts(with: suffix.reversed()),
            let text = String(validating: bytes.dropLast(suffix.count), as: UTF8.self),
            let dash = text.lastIndex(of: "-"),
            let action = RequestAction(rawValue: String(text[..<dash]))
        else { return nil }
        let digits = text[text.index(after: dash)...]
        // Digits only, no sign, no leading zero: one name per request.
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first != "0",
            let id = Int64(digits)
        else { return nil }
        return (action, id)
    }

    public static let reportSuffix = Array(".report.txt".utf8)
    public static let rejectedRowsSuffix = Array(".rejected.csv".utf8)
    /// The longest name a published file gives a file beside it.
    public static let longestSuffix = max(reportSuffix.count, rejectedRowsSuffix.count)

    /// The report's name beside the file.
    public var reportName: FileName { FileName(bytes: bytes + FileName.reportSuffix) }

    /// The name of the file of rows not applied, beside the report (`RejectedRowsText`).
    public var rejectedRowsName: FileName { FileName(bytes: bytes + FileName.rejectedRowsSuffix) }

    /// A name for done/ or failed/: the original when `attempt` is 0, else `stem.<importID>[-n].ext`.
    /// Always short enough that the names beside it (report, rejected rows) fit in NAME_MAX (255 bytes).
    public func publishedName(importID: Int64, attempt: Int) -> FileName {
        let maxLength = 255 - FileName.longestSuffix
        var dot = bytes.lastIndex(of: UInt8(ascii: ".")).flatMap { $0 > 0 ? $0 : nil } ?? bytes.count
        // An "extension" too long to keep (`a.bbbb…`) is treated as part of the stem and shortened with it.
        if bytes.count - dot > 32 { dot = bytes.count }
        var stem = Array(bytes[..<dot])
        let ext = Array(bytes[dot...])
        var tag: [UInt8] = []
        if attempt > 0 {
            tag = Array(".\(importID)".utf8) + (attempt > 1 ? Array("-\(attempt)".utf8) : [])
        }
        let room = maxLength - tag.count - ext.count
        if stem.count > room {
            // Cut between characters, not inside one: a valid UTF-8 name stays valid UTF-8.
            var cut = max(room, 1)
            while cut > 1, room - cut < 3, (0x80...0xBF).contains(stem[cut]) { cut -= 1 }
            stem = Array(stem.prefix(cut))
        }
        return FileName(bytes: stem + tag + ext)
    }

    private static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        for length in 1...4 where index + length <= bytes.count {
            if String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil { return length }
        }
        return 0
    }
}
