import Glibc
import Logging

/// Readable lines on stderr when not under systemd: `level message key=value …`.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private var handlerLevel: HandlerLevel
    public var logLevel: Logger.Level {
        get { handlerLevel.level }
        set { handlerLevel.level = newValue }
    }

    public init(level: Logger.Level) {
        self.init(level: LogLevelSetting(level))
    }

    public init(level: LogLevelSetting) {
        handlerLevel = HandlerLevel(setting: level)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }.filter { $0.key != "message_id" }
        let pairs = merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let line = "\(event.level.rawValue.padding(8))\(event.message)\(pairs)\n"
        writeAll(2, Array(line.utf8))
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
