import Dispatch
import Synchronization
import UserImportCore

/// The importer's batch lane in the daemon and the admin tool: each full batch is written on a
/// serial Dispatch queue while the import's own thread parses the next one.
///
/// Work that runs beside the import thread goes on a serial queue of its own (this lane, and
/// `BackgroundCheckpoints`); the blocking loops themselves run on threads the services start.
final class ThreadBatchLane: BatchLane, Sendable {
    private let queue = DispatchQueue(label: "userimport.batch-writer")
    private let finished = DispatchSemaphore(value: 0)
    private let state = Mutex<State>(State())

    private struct State {
        var inFlight = false
        var failure: (any Error)?
        /// The job waiting for the queue. The block the queue runs captures only the lane and
        /// takes the job from here: the blocks themselves were kept past their run (a 1M-row
        /// Update re-import kept every batch's rows, 531 MB), a job taken and dropped is not.
        var job: (@Sendable () throws -> Void)?
    }

    func start(_ job: @escaping @Sendable () throws -> Void) {
        state.withLock { state in
            state.inFlight = true
            state.job = job
        }
        queue.async { [self] in
            runWaitingJob()
            finished.signal()
        }
    }

    private func runWaitingJob() {
        let job = state.withLock { state in
            defer { state.job = nil }
            return state.job
        }
        do { try job?() } catch { state.withLock { $0.failure = error } }
    }

    func wait() throws {
        guard state.withLock({ $0.inFlight }) else { return }
        finished.wait()
        let failure = state.withLock { state in
            defer {
                state.inFlight = false
                state.failure = nil
            }
            return state.failure
        }
        if let failure { throw failure }
    }
}

extension Importer {
    /// The importer as the pipeline and the dry run use it: batches written beside the parsing,
    /// and the rows of a very large file sorted in unnamed files in `scratch` (see `SortedImport`).
    public static func overlapping(_ options: ImportOptions, scratch: String) -> Importer {
        let testRows = TestHooks.sortedBeyond
        return Importer(
            options: options, makeLane: { ThreadBatchLane() },
            makeSpill: { try TemporarySpillFile(in: scratch) },
            sortedBeyond: testRows ?? Importer.sortedBeyond, batchSize: testRows ?? Importer.batchSize)
    }
}
