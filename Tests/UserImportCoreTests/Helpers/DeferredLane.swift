import Synchronization
import Testing
import UserImportCore

/// A batch lane that runs each job only when the importer waits for it: as if the lane's thread
/// were slow, so anything the importer did to the batch's ports before waiting would show.
/// Counts the jobs it was given in `log`, which outlives the run.
final class DeferredLane: BatchLane {
    final class Log: Sendable {
        let jobs = Mutex(0)
    }

    private var pending: (@Sendable () throws -> Void)?
    private let log: Log

    init(log: Log = Log()) {
        self.log = log
    }

    func start(_ job: @escaping @Sendable () throws -> Void) {
        #expect(pending == nil, "a job started while another is in flight")
        pending = job
        log.jobs.withLock { $0 += 1 }
    }

    func wait() throws {
        guard let job = pending else { return }
        pending = nil
        try job()
    }
}
