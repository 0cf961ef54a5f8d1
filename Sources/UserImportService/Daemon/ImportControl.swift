import Synchronization

/// What the async side (signals, shutdown, the watchdog) and the import worker thread tell each
/// other: a stop or a new configuration one way, a heartbeat the other.
public final class ImportControl: Sendable {
    private struct State {
        var newConfiguration: Configuration?
        var lastHeartbeat = MonotonicClock.nanoseconds()
    }

    private let state = Mutex(State())
    let signal: WorkerSignal

    public init() throws {
        signal = try WorkerSignal()
    }

    /// Asks the worker to finish or roll back the file in hand and return.
    public func requestStop() {
        signal.requestStop()
    }

    public var stopRequested: Bool { signal.stopRequested }

    public func reload(_ configuration: Configuration) {
        state.withLock { $0.newConfiguration = configuration }
        signal.wake()
    }

    func takeNewConfiguration() -> Configuration? {
        state.withLock { state in
            defer { state.newConfiguration = nil }
            return state.newConfiguration
        }
    }

    /// The worker is alive and not stuck: called from its loop and between chunks of a file.
    func heartbeat() {
        state.withLock { $0.lastHeartbeat = MonotonicClock.nanoseconds() }
    }

    /// What the watchdog goes by: a worker stuck longer than the watchdog interval gets us restarted.
    public var nanosecondsSinceHeartbeat: UInt64 {
        MonotonicClock.nanoseconds() &- state.withLock { $0.lastHeartbeat }
    }

    /// Polled by the worker beside the inbox watch; readable after a stop or a reload.
    var wakeFD: Int32 { signal.fd }

    func drainWake() {
        signal.drain()
    }
}
