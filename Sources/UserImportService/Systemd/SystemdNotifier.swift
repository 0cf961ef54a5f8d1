import CSystemd
import Glibc

/// sd_notify(3): READY, STATUS, WATCHDOG, RELOADING, STOPPING. A no-op when `$NOTIFY_SOCKET` is
/// unset (not started by systemd), so the daemon runs the same under `make run`.
public struct SystemdNotifier: Sendable {
    public init() {}

    public var isActive: Bool { getenv("NOTIFY_SOCKET") != nil }

    public func send(_ state: String) {
        guard isActive else { return }
        _ = sd_notify(0, state)
    }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func watchdog() { send("WATCHDOG=1") }
    public func stopping() { send("STOPPING=1\nSTATUS=stopping") }

    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(microseconds)\nSTATUS=reloading configuration")
    }

    /// Half of `WatchdogSec=`, in nanoseconds; nil when systemd set no watchdog for us.
    public var watchdogInterval: UInt64? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return microseconds * 1000 / 2
    }
}
