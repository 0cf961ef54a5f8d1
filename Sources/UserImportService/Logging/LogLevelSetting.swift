import Logging
import Synchronization

/// The daemon's log level, shared by every handler it bootstraps: a reload (SIGHUP) sets it once
/// and every logger, copies included, logs by the new level from its next message on.
public final class LogLevelSetting: Sendable {
    private let index: Atomic<Int>

    public init(_ level: Logger.Level) {
        index = Atomic(Self.index(of: level))
    }

    public var level: Logger.Level {
        Logger.Level.allCases[index.load(ordering: .relaxed)]
    }

    public func set(_ level: Logger.Level) {
        index.store(Self.index(of: level), ordering: .relaxed)
    }

    private static func index(of level: Logger.Level) -> Int {
        Logger.Level.allCases.firstIndex(of: level) ?? 0
    }
}

/// The level a handler logs by: the shared setting, unless code set one on this logger itself.
struct HandlerLevel: Sendable {
    let setting: LogLevelSetting
    var own: Logger.Level?

    var level: Logger.Level {
        get { own ?? setting.level }
        set { own = newValue }
    }
}
