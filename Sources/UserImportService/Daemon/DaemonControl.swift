import CLinux
import Glibc
import Synchronization

/// What the async side (signals, shutdown) tells the import worker thread, and how it wakes it.
public final class DaemonControl: Sendable {
    private struct State {
        var stopRequested = false
        var newConfiguration: Configuration?
        var lastHeartbeat = DaemonControl.monotonicNanoseconds()
        var databaseReady = false
    }

    private let state = Mutex(State())
    /// Written to wake the worker from `poll` at once.
    let wakeFD: Int32

    public init() throws {
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw SystemError("eventfd") }
    }

    deinit {
        close(wakeFD)
    }

    public func requestStop() {
        state.withLock { $0.stopRequested = true }
        wake()
    }

    public var stopRequested: Bool { state.withLock { $0.stopRequested } }

    /// Set once the import thread has opened and migrated the database.
    var databaseReady: Bool { state.withLock { $0.databaseReady } }

    func markDatabaseReady() {
        state.withLock { $0.databaseReady = true }
        wake()
    }

    public func reload(_ configuration: Configuration) {
        state.withLock { $0.newConfiguration = configuration }
        wake()
    }

    func takeNewConfiguration() -> Configuration? {
        state.withLock { state in
            defer { state.newConfiguration = nil }
            return state.newConfiguration
        }
    }

    /// The worker is alive and not stuck: called from its loop and between chunks of a file.
    func heartbeat() {
        state.withLock { $0.lastHeartbeat = Self.monotonicNanoseconds() }
    }

    public var nanosecondsSinceHeartbeat: UInt64 {
        Self.monotonicNanoseconds() &- state.withLock { $0.lastHeartbeat }
    }

    /// Sleeps until woken (a stop, a reload, new mail) or `milliseconds` pass.
    func sleep(milliseconds: Int) {
        var descriptor = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(clamping: milliseconds))
        drainWake()
    }

    /// Wakes a sleeping worker without asking anything of it (new work arrived).
    public func nudge() {
        wake()
    }

    func drainWake() {
        var value: UInt64 = 0
        _ = read(wakeFD, &value, 8)
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
