import Dispatch
import Synchronization
import UserImportStore

/// Runs `WALCheckpointer` on a serial queue beside the import thread, after each commit, so the
/// copy of the log overlaps the writing of the report.
final class BackgroundCheckpoints: Sendable {
    private let queue = DispatchQueue(label: "userimport.checkpoint")
    private let path: String
    /// A checkpoint is queued and has not started: a second nudge adds nothing to it.
    private let queued = QueuedFlag()

    init(databasePath: String) {
        path = databasePath
    }

    deinit {
        // A checkpoint still running finishes before the pipeline's connection closes. Queued work
        // holds no reference to `self`, so this never runs on the queue it waits for.
        queue.sync {}
    }

    /// Starts a checkpoint soon, unless one is already queued.
    func nudge() {
        let alreadyQueued = queued.value.withLock { queued in
            defer { queued = true }
            return queued
        }
        guard !alreadyQueued else { return }
        queue.async { [queued, path] in
            queued.value.withLock { $0 = false }
            WALCheckpointer.checkpoint(databaseAt: path)
        }
    }
}

/// The flag apart from the checkpoints, so that queued work can hold it without holding them.
private final class QueuedFlag: Sendable {
    let value = Mutex(false)
}
