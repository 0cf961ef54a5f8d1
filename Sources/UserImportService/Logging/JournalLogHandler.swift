import CSystemd
import Glibc
import Logging

/// swift-log → journald through `sd_journal_sendv`: the message text stays fixed, the data goes
/// into fields (`import_id` → `IMPORT_ID`), with PRIORITY and CODE_* set.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private var handlerLevel: HandlerLevel
    public var logLevel: Logger.Level {
        get { handlerLevel.level }
        set { handlerLevel.level = newValue }
    }
    private let identifier: String

    public init(identifier: String, level: Logger.Level) {
        self.init(identifier: identifier, level: LogLevelSetting(level))
    }

    public init(identifier: String, level: LogLevelSetting) {
        self.identifier = identifier
        handlerLevel = HandlerLevel(setting: level)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String] = [
            "MESSAGE=\(event.message)", "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)", "CODE_FILE=\(event.file)", "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged {
            guard let name = Self.fieldName(key) else { continue }
            fields.append("\(name)=\(value)")
        }
        Self.send(fields)
    }

    /// syslog priorities, as journald stores them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// `import_id` → `IMPORT_ID`; journal field names are A–Z, 0–9 and _, ≤ 64, not starting with a digit or _.
    static func fieldName(_ key: String) -> String? {
        let upper = key.uppercased().unicodeScalars.map { scalar -> Character in
            let value = scalar.value
            let allowed = (0x41...0x5A).contains(value) || (0x30...0x39).contains(value)
            return allowed ? Character(scalar) : "_"
        }
        let name = String(upper.prefix(64))
        guard let first = name.unicodeScalars.first, (0x41...0x5A).contains(first.value) else { return nil }
        return name
    }

    private static func send(_ fields: [String]) {
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = buffer.count
            buffer.append(contentsOf: field.utf8)
            ranges.append(start..<buffer.count)
        }
        buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            var vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            _ = sd_journal_sendv(&vectors, Int32(vectors.count))
        }
    }

    /// True when stderr is already connected to the journal (systemd sets `$JOURNAL_STREAM` to its
    /// device:inode), so logging there directly loses nothing and gains fields.
    public static var stderrIsJournal: Bool {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return value == "\(st.st_dev):\(st.st_ino)"
    }
}
