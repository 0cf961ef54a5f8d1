import Synchronization

/// What the rest of the daemon tells the delivery worker thread: stop, more mail was queued, the
/// database may be opened now, new mail settings (a reload). It has no heartbeat: the watchdog watches imports only, and a slow
/// relay must not get the daemon restarted.
public final class DeliveryControl: Sendable {
    private let ready = Mutex(false)
    private let newSettings = Mutex<MailSettings?>(nil)
    /// Held by the worker from its last look at an email's state to the end of sending it, and by
    /// an undo around its commit: an email the undo cancels is never sent once the undo commits.
    private let sending = Mutex(())
    let signal: WorkerSignal

    public init() throws {
        signal = try WorkerSignal()
    }

    /// Asks the worker to record what it has sent and return.
    public func requestStop() {
        signal.requestStop()
    }

    public var stopRequested: Bool { signal.stopRequested }

    /// Wakes the sleeping worker: an import queued emails.
    public func nudge() {
        signal.wake()
    }

    /// Runs `body` while no email is being sent, and none starts.
    public func exclusiveOfSending<T: Sendable>(_ body: () throws -> T) throws -> T {
        try sending.withLock { _ in try body() }
    }

    /// A reload: the worker takes these (and reads its templates again) before its next email.
    public func reload(_ settings: MailSettings) {
        newSettings.withLock { $0 = settings }
        signal.wake()
    }

    var reloadPending: Bool { newSettings.withLock { $0 != nil } }

    func takeNewSettings() -> MailSettings? {
        newSettings.withLock { settings in
            defer { settings = nil }
            return settings
        }
    }

    /// Set once the import thread has opened and migrated the database.
    var databaseReady: Bool { ready.withLock { $0 } }

    func markDatabaseReady() {
        ready.withLock { $0 = true }
        signal.wake()
    }

    /// Sleeps until woken (a stop, new mail, the database ready) or `milliseconds` pass.
    func sleep(milliseconds: Int) {
        signal.sleep(milliseconds: milliseconds)
    }
}
