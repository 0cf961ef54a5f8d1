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
    private let state = Mutex<(inFlight: Bool, failure: (any Error)?)>((false, nil))

    func start(_ job: @escaping @Sendable () throws -> Void) {
        state.withLock { $0.inFlight = true }
        queue.async { [self] in
            do { try job() } catch { state.withLock { $0.failure = error } }
            finished.signal()
        }
    }

    func wait() throws {
        guard state.withLock({ $0.inFlight }) else { return }
        finished.wait()
        let failure = state.withLock { state in
            defer { state = (false, nil) }
            return state.failure
        }
        if let failure { throw failure }
    }
}

extension Importer {
    /// The importer as the pipeline and the dry run use it: batches written beside the parsing.
    public static func overlapping(_ options: ImportOptions) -> Importer {
        Importer(options: options, makeLane: { ThreadBatchLane() })
    }
}
