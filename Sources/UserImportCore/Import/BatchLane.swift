/// Where the importer writes a full batch while it parses the next one.
///
/// Parsing and validating a batch and writing it to the directory take about the same time, and a
/// machine has more than one core: overlapping them takes a third off a million-row import. The
/// core starts no thread itself: the caller injects the lane (the daemon's runs jobs on a thread of
/// its own; `InlineBatchLane` runs them at once, for tests and small inputs). Only one job is ever
/// in flight, and the importer waits for it before handing over the next or touching the directory
/// again, so batches still reach the directory one after another in file order.
public protocol BatchLane {
    /// Starts `job`; the caller calls `wait()` before starting another.
    func start(_ job: @escaping @Sendable () throws -> Void)
    /// Waits for the job in flight, if any, and rethrows what it threw.
    func wait() throws
}

/// Runs each job on the caller's thread as it is started: no overlap, no thread.
public final class InlineBatchLane: BatchLane {
    private var failure: Error?

    public init() {}

    public func start(_ job: @escaping @Sendable () throws -> Void) {
        do { try job() } catch { failure = error }
    }

    public func wait() throws {
        if let error = failure {
            failure = nil
            throw error
        }
    }
}

/// The directory, outbox, row sink and running counts of one run, handed between the importer's
/// thread and its lane's.
///
/// Unchecked because the handover is the lane's contract, which the compiler cannot see: the lane's
/// thread uses the target only while a job is in flight, the importer's only between `wait()` and
/// the next `start`. Nothing else holds it, and it never outlives the run.
final class BatchTarget<Directory: UserDirectory, Outbox: NotificationOutbox, Sink: RowResultSink>:
    BatchApplying, @unchecked Sendable
{
    var directory: Directory
    var outbox: Outbox
    var results: Sink
    var counts = OutcomeCounts()

    init(directory: Directory, outbox: Outbox, results: Sink) {
        self.directory = directory
        self.outbox = outbox
        self.results = results
    }

    func apply(_ batch: PreparedBatch) throws {
        try batch.apply(directory: &directory, outbox: &outbox, results: &results, counts: &counts)
    }

    /// A batch of a sorted import: decided and written alike, its results and emails handed to
    /// `sorted` to be filed in line order (`file`), where they are counted.
    func applySorted(_ batch: PreparedBatch, filingIn sorted: SortedImport) throws {
        var decided = DecidedBatch()
        var uncounted = OutcomeCounts()
        try batch.apply(
            directory: &directory, outbox: &decided.queued, results: &decided.results, counts: &uncounted)
        // Handed back with the results: the importer's thread, which has time to spare while this
        // one writes, frees its rows (a few seconds of ten million rows).
        decided.rows = batch
        sorted.decided(decided)
    }

    /// Results of a sorted import in line order, as its results file holds them: each counted
    /// and recorded as the batches above do, after the email its row queued, read in place.
    func file(stored records: [UInt8]) throws {
        try SpillRecord.forEachRecord(in: records) { reader in
            let row = try SpillRecord.readDecided(&reader)
            if let notification = row.notification { try outbox.queue(notification, line: row.line) }
            counts[row.outcome] += 1
            try results.record(row)
        }
        try outbox.flush()
    }
}

/// A batch target as the lane's job sees it: without its generic parameters, which a job handed to
/// another thread must not capture.
protocol BatchApplying: AnyObject, Sendable {
    func apply(_ batch: PreparedBatch) throws
    func applySorted(_ batch: PreparedBatch, filingIn sorted: SortedImport) throws
    func file(stored records: [UInt8]) throws
}
