import Dispatch

/// Applies one batch of rows on a second thread while the caller parses the next one.
///
/// Parsing and validating a batch and writing it to the directory take about the same time, and a
/// machine has more than one core: overlapping them takes a third off a million-row import. Only
/// one batch is ever in flight, and the caller waits for it before handing over the next or
/// touching the directory again, so batches still reach the directory one after another in file
/// order and the directory is never used by two threads at once.
final class BatchWorker: @unchecked Sendable {
    private let queue = DispatchQueue(label: "userimport.batch-writer")
    private let finished = DispatchSemaphore(value: 0)
    /// Touched only by the caller's thread.
    private var inFlight = false
    /// Written by the job before it signals `finished`, read by the caller after waiting.
    private var failure: Error?

    /// Runs `job` on the worker's thread. The caller must `wait()` before starting another job.
    func start(_ job: @escaping () throws -> Void) {
        inFlight = true
        let work = UncheckedJob(job)
        queue.async { [self] in
            do { try work.run() } catch { failure = error }
            finished.signal()
        }
    }

    /// Waits for the job in flight, if any, and rethrows what it threw.
    func wait() throws {
        guard inFlight else { return }
        finished.wait()
        inFlight = false
        if let error = failure {
            failure = nil
            throw error
        }
    }
}

/// A job handed to the worker's thread. The caller gives up the job's captures until `wait()`.
private struct UncheckedJob: @unchecked Sendable {
    let run: () throws -> Void

    init(_ run: @escaping () throws -> Void) {
        self.run = run
    }
}
