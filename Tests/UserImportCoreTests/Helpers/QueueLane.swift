import Dispatch
import Synchronization
import Testing
import UserImportCore

/// A batch lane on a second thread, as the daemon's: full batches are written there while the
/// importer parses on. Counts the jobs it ran.
final class QueueLane: BatchLane, Sendable {
    private let queue = DispatchQueue(label: "test.batch-lane")
    private let finished = DispatchSemaphore(value: 0)
    private let state = Mutex<(inFlight: Bool, failure: (any Error)?, jobs: Int)>((false, nil, 0))

    var jobs: Int { state.withLock { $0.jobs } }

    func start(_ job: @escaping @Sendable () throws -> Void) {
        state.withLock {
            #expect(!$0.inFlight, "a job started while another is in flight")
            $0.inFlight = true
            $0.jobs += 1
        }
        queue.async { [self] in
            do { try job() } catch { state.withLock { $0.failure = error } }
            finished.signal()
        }
    }

    func wait() throws {
        guard state.withLock({ $0.inFlight }) else { return }
        finished.wait()
        let failure = state.withLock { state in
            defer { (state.inFlight, state.failure) = (false, nil) }
            return state.failure
        }
        if let failure { throw failure }
    }
}
