import CLinux
import Glibc
import Synchronization

/// How the async side stops a worker thread and wakes it: a flag the worker reads between steps,
/// and an eventfd it polls beside its own descriptors. The eventfd stays readable until drained,
/// so a wake-up that comes between reading the flag and going to sleep is never lost.
final class WorkerSignal: Sendable {
    private let stopped = Mutex(false)
    let fd: Int32

    init() throws {
        fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else { throw SystemError("eventfd") }
    }

    deinit {
        close(fd)
    }

    func requestStop() {
        stopped.withLock { $0 = true }
        wake()
    }

    var stopRequested: Bool { stopped.withLock { $0 } }

    func wake() {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    func drain() {
        var value: UInt64 = 0
        _ = read(fd, &value, 8)
    }

    /// Sleeps until woken or `milliseconds` pass.
    func sleep(milliseconds: Int) {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(clamping: milliseconds))
        drain()
    }
}
