/// The rows of a large file applied in email order instead of file order, through two spill files.
///
/// A batch of rows read and applied at once visits most pages of the email index once when the
/// index is small, but at ten million users the index is twenty thousand pages, far beyond
/// SQLite's cache, and every batch of randomly ordered emails touches two thirds of them again:
/// the cost grows with the square of the file. Past `Importer.sortedBeyond` rows the importer
/// hands each full batch here instead (`spill`): its valid rows go to the rows file as one run
/// sorted by email, then line; the results of its other rows to the results file, in line order.
/// When the file has been read, `apply` merges the runs into one sequence in email order and
/// decides it in batches, as the importer would (`PreparedBatch.apply`, hence `RowRules`), so
/// the directory is walked once, from its first email to its last. Each batch's results go back
/// to the results file as a run in line order, and a last merge files every result and queues
/// every email in file order, as the importer's own batches do.
///
/// Deciding in email order changes nothing a row sees: a row's outcome depends only on its own
/// user, and every earlier row of the same email is either an earlier row of the same run
/// sequence or was applied before the sorting began.
final class SortedImport: @unchecked Sendable {
    // Unchecked for the same reason as `BatchTarget`: the lane's thread uses it only while a job
    // is in flight, the importer's thread only between `wait()` and the next `start`. The rows
    // file is read while the results file is appended to, never one file by both threads at once.
    private let rowsFile: any SpillFile
    private let resultsFile: any SpillFile
    private var rowRuns: [SpillRun] = []
    /// The results of rows that never reach the directory, one piece a batch: already in line order.
    private var rejectedRun = SpillRun()
    private var resultRuns: [SpillRun] = []
    private let batchSize: Int
    /// Rows decided at once in email order. Locality no longer depends on it (the emails are in
    /// order already), so it is a third of a batch read: the results and emails a decided batch
    /// holds until they are kept would otherwise take the import past its memory limit.
    private var decideBatchSize: Int { max(1, batchSize / 3) }

    /// What the cursors of one merge hold in all, shared out between the runs: a ten-million-row
    /// file has a few hundred runs of rows and about a thousand of results.
    static let mergeBufferBytes = 2 << 20

    /// Each run's share of `mergeBufferBytes`, between 4 and 64 KiB (fewer, longer reads).
    static func bufferBytes(runs: Int) -> Int {
        min(64 << 10, max(4 << 10, mergeBufferBytes / max(1, runs)))
    }

    init(rowsFile: any SpillFile, resultsFile: any SpillFile, batchSize: Int) {
        self.rowsFile = rowsFile
        self.resultsFile = resultsFile
        self.batchSize = batchSize
    }

    /// Keeps a batch read but not applied: its valid rows sorted by email, then line.
    func spill(_ batch: RowBatch) throws {
        // The rows are sorted by key and index, not moved: a sorted copy of the batch would be
        // the largest thing alive.
        var order: [(key: EmailOrderKey, index: Int)] = []
        order.reserveCapacity(batch.rows.count)
        var rejected: [UInt8] = []
        var run = SpillRun()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(SpillRun.pieceBytes + 4096)
        // Read in place, never bound: a row taken out of the array was copied, then freed, field
        // by field.
        try batch.rows.withUnsafeBufferPointer { rows in
            for index in rows.indices {
                if let key = EmailOrderKey(valid: rows[index]) {
                    order.append((key, index))
                } else {
                    SpillRecord.appendInvalid(rows[index], to: &rejected)
                }
            }
            order.sort { $0.key < $1.key }
            for entry in order {
                SpillRecord.appendValid(rows[entry.index], to: &bytes)
                try run.addWhenFull(&bytes, to: rowsFile)
            }
        }
        try run.add(bytes, to: rowsFile)
        if !run.pieces.isEmpty { rowRuns.append(run) }
        try rejectedRun.add(rejected, to: resultsFile)
    }

    /// Decides every spilled row in email order, then files the results and queues the emails in
    /// line order; in both, this thread merges and the lane writes.
    func apply<Directory: UserDirectory, Outbox: NotificationOutbox, Sink: RowResultSink>(
        to target: BatchTarget<Directory, Outbox, Sink>, lane: any BatchLane
    ) throws {
        try decide(into: target, lane: lane)
        try rowsFile.discard()
        try file(into: target, lane: lane)
        try resultsFile.discard()
    }

    /// Decides the spilled rows in email order in batches: the lane decides and writes a batch
    /// while this thread merges the next one and keeps the results of the one before.
    private func decide<Directory: UserDirectory, Outbox: NotificationOutbox, Sink: RowResultSink>(
        into target: BatchTarget<Directory, Outbox, Sink>, lane: any BatchLane
    ) throws {
        var rows = try RunMerge(
            file: rowsFile, runs: rowRuns, bufferBytes: Self.bufferBytes(runs: rowRuns.count),
            decode: SpillRecord.readRow,
            key: EmailOrderKey.init)
        var batch = RowBatch()
        batch.rows.reserveCapacity(decideBatchSize)
        func handOver() throws {
            let prepared = batch.prepared()
            batch = RowBatch()
            try lane.wait()
            let finished = takeDecided()
            let applying: any BatchApplying = target
            lane.start { [self, prepared] in try applying.applySorted(prepared, filingIn: self) }
            if var finished { try keep(&finished) }
        }
        while let row = try rows.next() {
            batch.rows.append(.valid(row))
            if batch.rows.count == decideBatchSize { try handOver() }
        }
        if !batch.rows.isEmpty { try handOver() }
        try lane.wait()
        if var finished = takeDecided() { try keep(&finished) }
    }

    /// A batch the lane has decided, its results and emails not yet kept.
    private var decided: DecidedBatch?

    /// Called on the lane by the target that decided a batch.
    func decided(_ batch: DecidedBatch) {
        decided = batch
    }

    private func takeDecided() -> DecidedBatch? {
        defer { decided = nil }
        return decided
    }

    /// Keeps one decided batch's results as a run sorted by line, with the emails its rows queued.
    /// The results are put in line order by index, not moved: moving them (their texts, the user
    /// before) took this thread longer than the lane took to decide them.
    private func keep(_ batch: inout DecidedBatch) throws {
        let results = batch.results.results
        let notifications = batch.queued.notifications
        // Both were collected as the rows were decided, each email just before its row's result.
        var notificationOf = [Int](repeating: -1, count: results.count)
        var next = 0
        for (index, result) in results.enumerated()
        where next < notifications.count && notifications[next].line == result.line {
            notificationOf[index] = next
            next += 1
        }
        if next < notifications.count {
            throw SortedImportDefect.emailWithoutResult(line: notifications[next].line)
        }
        var order = results.indices.map { (line: results[$0].line, index: $0) }
        order.sort { $0.line < $1.line }
        var run = SpillRun()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(SpillRun.pieceBytes + 4096)
        try results.withUnsafeBufferPointer { results in
            for entry in order {
                let queued = notificationOf[entry.index]
                let notification =
                    queued < 0
                    ? nil
                    : DecidedRow.Notification(
                        kind: notifications[queued].kind, recipient: notifications[queued].recipient)
                SpillRecord.append(results[entry.index], notification: notification, to: &bytes)
                try run.addWhenFull(&bytes, to: resultsFile)
            }
        }
        try run.add(bytes, to: resultsFile)
        if !run.pieces.isEmpty { resultRuns.append(run) }
    }

    /// Files every result and queues every email in line order: this thread merges the records as
    /// they are stored, the lane files those merged before, reading them in place
    /// (`DecidedRowBytes`).
    private func file<Directory: UserDirectory, Outbox: NotificationOutbox, Sink: RowResultSink>(
        into target: BatchTarget<Directory, Outbox, Sink>, lane: any BatchLane
    ) throws {
        var merged = try RecordMerge(
            file: resultsFile, runs: resultRuns + [rejectedRun],
            bufferBytes: Self.bufferBytes(runs: resultRuns.count + 1),
            key: { try $0.int() })
        // Smaller than a decided batch: a result with the user its email names is the largest row.
        let filingSize = max(1, decideBatchSize / 2)
        var records: [UInt8] = []
        var count = 0
        func handOver() throws {
            let full = records
            records = []
            records.reserveCapacity(full.count)
            count = 0
            try lane.wait()
            let applying: any BatchApplying = target
            lane.start { try applying.file(stored: full) }
        }
        while try merged.move(to: &records) {
            count += 1
            if count == filingSize { try handOver() }
        }
        if count > 0 { try handOver() }
        try lane.wait()
    }
}

/// What one batch of a sorted import decided, in email order, until `SortedImport` keeps it.
struct DecidedBatch {
    var results = DecidedCollector()
    var queued = DecidedCollector()
    /// The rows decided, only to be freed by the thread that keeps the results.
    var rows: PreparedBatch?
}

/// Collects a decided batch's results (as its sink) or the emails its rows queued (as its outbox).
struct DecidedCollector: RowResultSink, NotificationOutbox {
    var results: [RowResult] = []
    var notifications: [(line: Int, kind: NotificationKind, recipient: Recipient)] = []

    mutating func record(_ result: RowResult) throws { results.append(result) }
    mutating func finish() throws {}
    mutating func queue(_ notification: NotificationKind, to recipient: Recipient, line: Int) throws {
        notifications.append((line, notification, recipient))
    }
    mutating func flush() throws {}
}

/// A broken promise between the parts of a sorted import: never the input's fault.
enum SortedImportDefect: Error, CustomStringConvertible {
    case emailWithoutResult(line: Int)

    var description: String {
        switch self {
        case .emailWithoutResult(let line):
            "an email was queued for line \(line), which has no result in its batch (a defect: please report it)"
        }
    }
}
