import Glibc
import Testing

@testable import UserImportService

struct WorkerControlTests {
    /// Whether `fd` is readable now, without waiting.
    func isReadable(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 1
    }

    @Test func aStopRequestedBeforeTheSleepEndsItAtOnce() throws {
        let signal = try WorkerSignal()
        #expect(!signal.stopRequested)
        signal.requestStop()
        #expect(signal.stopRequested)
        let start = MonotonicClock.nanoseconds()
        signal.sleep(milliseconds: 30_000)
        #expect(MonotonicClock.nanoseconds() - start < 10_000_000_000, "the wake-up was lost")
        #expect(!isReadable(signal.fd), "drained by the sleep")
    }

    @Test func aWakeStaysPendingUntilDrained() throws {
        let signal = try WorkerSignal()
        #expect(!isReadable(signal.fd))
        signal.wake()
        signal.wake()
        #expect(isReadable(signal.fd))
        signal.drain()
        #expect(!isReadable(signal.fd), "one drain takes every wake")
        #expect(!signal.stopRequested, "a wake is not a stop")
    }

    @Test func aReloadWakesTheImportWorkerAndIsTakenOnce() throws {
        let control = try ImportControl()
        #expect(control.takeNewConfiguration() == nil)
        var configuration = Configuration()
        configuration.settleTimeMilliseconds = 1234
        control.reload(configuration)
        #expect(isReadable(control.wakeFD))
        #expect(control.takeNewConfiguration()?.settleTimeMilliseconds == 1234)
        #expect(control.takeNewConfiguration() == nil)
        control.drainWake()
        #expect(!isReadable(control.wakeFD))
    }

    @Test func theHeartbeatIsWhatTheWatchdogReads() throws {
        let control = try ImportControl()
        control.heartbeat()
        let since = control.nanosecondsSinceHeartbeat
        #expect(since < 5_000_000_000)
        #expect(control.nanosecondsSinceHeartbeat >= since, "grows until the next beat")
    }

    @Test func theDeliveryWorkerIsWokenWhenTheDatabaseIsReadyAndWhenNudged() throws {
        let control = try DeliveryControl()
        #expect(!control.databaseReady)
        control.markDatabaseReady()
        #expect(control.databaseReady)
        #expect(isReadable(control.signal.fd))
        control.sleep(milliseconds: 0)
        #expect(!isReadable(control.signal.fd))
        control.nudge()
        #expect(isReadable(control.signal.fd))
        #expect(!control.stopRequested)
        control.requestStop()
        #expect(control.stopRequested)
    }
}
