import ServiceLifecycle

/// Pings the systemd watchdog while the import worker is alive, and keeps `STATUS=` current
/// during long imports. A stuck worker stops the pings, and systemd restarts us. Without systemd
/// it returns at once: run it with `successTerminationBehavior: .ignore`.
public struct WatchdogService: Service {
    let control: ImportControl
    let status: StatusBoard
    let notifier: SystemdNotifier

    public init(control: ImportControl, status: StatusBoard, notifier: SystemdNotifier) {
        self.control = control
        self.status = status
        self.notifier = notifier
    }

    public func run() async throws {
        guard notifier.isActive else { return }
        let interval = notifier.watchdogInterval
        await cancelWhenGracefulShutdown {
            var lastPing = MonotonicClock.nanoseconds()
            var lastStatus = ""
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let text = status.text
                if text != lastStatus {
                    notifier.status(text)
                    lastStatus = text
                }
                guard let interval else { continue }
                let now = MonotonicClock.nanoseconds()
                if now - lastPing >= interval && control.nanosecondsSinceHeartbeat < interval {
                    notifier.watchdog()
                    lastPing = now
                }
            }
        }
    }
}
