/// Reads one file and applies it row by row: decode → parse → header → validate → decide → write.
///
/// Pure: all I/O goes through the ports (`ImportPorts.swift`), so the same loop serves the real
/// import (SQLite inside one transaction), the dry run, and tests. Each row's outcome is decided in
/// `RowRules` (`Rows/RowRules.swift`), called from the batch loop in `RowBatch.swift`. A file-level problem ends the run with
/// `summary.error` set (the caller discards what was written); anything thrown comes from a port
/// (disk, database) and means "try again later".
///
/// Rows are read into batches of `batchSize`; each batch is decided in file order against the
/// directory as it stands after the rows before it (`RowBatch`), and its users are read and written
/// in email order, so SQLite visits each page of the email index once per batch, not once per row.
/// While one full batch is written (on the lane the caller injects, `BatchLane`), the next is parsed.
///
/// The size trades speed for memory, measured on a million-row file against a 10-million-row one:
/// 32,768 rows took 5.2 s and peaked at 60 MB (two batches are alive at once); 24,576 rows take
/// 5.4 s and about 54 MB; 16,384 rows 5.8 s and 43 MB. The limit for any file is 64 MB.
///
/// Past `sortedBeyond` rows, when the caller gives it scratch files (`makeSpill`), the rest of the
/// file is applied in email order once it has been read (`SortedImport`): batches of random
/// emails would each touch most of an email index far larger than SQLite's cache.
public struct Importer: Sendable {
    public let options: ImportOptions
    /// A fresh lane for each run.
    public let makeLane: @Sendable () -> any BatchLane
    /// A fresh scratch file, two for each run that sorts; nil: every row is applied as it is read.
    public let makeSpill: (@Sendable () throws -> any SpillFile)?
    /// The rows applied as they are read before the rest is sorted.
    public let sortedBeyond: Int
    /// Rows in a batch.
    public let batchSize: Int
    public static let chunkSize = 256 * 1024
    public static let batchSize = 24_576
    /// Measured on ten million rows: the first million cost what they cost in a file of their own
    /// when applied as read; beyond, sorting costs less than the index sweeps it saves.
    public static let sortedBeyond = 1_000_000

    public init(
        options: ImportOptions, makeLane: @escaping @Sendable () -> any BatchLane = { InlineBatchLane() },
        makeSpill: (@Sendable () throws -> any SpillFile)? = nil, sortedBeyond: Int = Importer.sortedBeyond,
        batchSize: Int = Importer.batchSize
    ) {
        self.options = options
        self.makeLane = makeLane
        self.makeSpill = makeSpill
        self.sortedBeyond = sortedBeyond
        self.batchSize = max(1, batchSize)
    }

    /// The same importer without scratch files: every row applied as it is read.
    public var inOrder: Importer {
        Importer(
            options: options, makeLane: makeLane, makeSpill: nil, sortedBeyond: sortedBeyond,
            batchSize: batchSize)
    }

    public func run<
        Source: ByteSource, Directory: UserDirectory, Outbox: NotificationOutbox, Sink: RowResultSink
    >(
        source: inout Source, encoding forced: InputEncoding? = nil, directory: inout Directory,
        outbox: inout Outbox, results: inout Sink
    ) throws -> ImportSummary {
        var summary = ImportSummary()
        // The ports move into the target for the run and back out after it: while a batch is in
        // flight only the lane's thread touches them.
        let target = BatchTarget(directory: directory, outbox: outbox, results: results)
        defer {
            directory = target.directory
            outbox = target.outbox
            results = target.results
        }
        do {
            try read(source: &source, forced: forced, target: target, into: &summary)
        } catch let error as FileError {
            summary.error = error
        }
        try target.results.finish()
        return summary
    }

    private func read<
        Source: ByteSource, Directory: UserDirectory, Outbox: NotificationOutbox, Sink: RowResultSink
    >(
        source: inout Source, forced: InputEncoding?, target: BatchTarget<Directory, Outbox, Sink>,
        into summary: inout ImportSummary
    ) throws {
        var stream = RecordStream(encoding: forced, maxRecordBytes: options.maxRecordBytes)
        var validator: RowValidator?
        var sawHeader = false
        var batch = RowBatch()
        let lane = makeLane()
        var sorted: SortedImport?
        // Never leave with a batch still being written: the caller owns the directory again.
        defer { try? lane.wait() }

        // A full batch is written on the lane while the next one is parsed; past `sortedBeyond`
        // rows it is sorted and spilled there instead.
        func handOver() throws {
            if sorted == nil, let makeSpill, summary.rows - batch.rows.count >= sortedBeyond {
                sorted = SortedImport(
                    rowsFile: try makeSpill(), resultsFile: try makeSpill(), batchSize: batchSize)
            }
            if let sorting = sorted {
                let full = batch
                batch = RowBatch()
                try lane.wait()
                lane.start { try sorting.spill(full) }
                return
            }
            let full = batch.prepared()
            batch = RowBatch()
            try lane.wait()
            let applying: any BatchApplying = target
            lane.start { try applying.apply(full) }
        }

        // The last, partial batch is written here: a small file never waits for another thread.
        func finishBatches() throws {
            try lane.wait()
            if let sorting = sorted {
                try sorting.spill(batch)
                try sorting.apply(to: target, lane: lane)
            } else {
                try target.apply(batch.prepared())
            }
            batch = RowBatch()
            summary.counts = target.counts
        }

        func handle(_ record: CSVRecord) throws {
            guard let rowValidator = validator else {
                (summary.headers, summary.warnings) = HeaderMap.read(record)
                sawHeader = true
                let header = try HeaderMap(header: record)
                validator = RowValidator(header: header, maxValueLength: options.maxValueLength)
                return
            }
            summary.rows += 1
            if summary.rows > options.maxRows { throw FileError.tooManyRows(limit: options.maxRows) }
            batch.rows.append(rowValidator.parse(record))
            if batch.rows.count >= batchSize { try handOver() }
        }

        defer {
            summary.bytes = stream.bytes
            summary.encoding = stream.encoding
            // Without a header line there was nothing to detect a delimiter from.
            summary.delimiter = sawHeader ? stream.delimiter : nil
        }
        do {
            try stream.read(&source, emit: handle)
        } catch let error as FileError {
            // The rows read before a file-level error still get their results (the failed file's
            // report lists them); the caller discards what they wrote.
            try finishBatches()
            throw error
        }
        try finishBatches()
        if validator == nil { throw FileError.noHeader }
        if summary.rows == 0 {
            summary.warnings.append("the file has a header but no data rows; nothing to do")
        }
        if options.strict && summary.counts.rejected > 0 {
            throw FileError.strictModeRejected(count: summary.counts.rejected)
        }
    }
}
