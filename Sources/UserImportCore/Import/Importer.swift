/// Reads one file and applies it row by row: decode → parse → header → validate → decide → write.
///
/// Pure: all I/O goes through the ports, so the same loop serves the real import (SQLite inside
/// one transaction), the dry run, and tests. A file-level problem ends the run with
/// `summary.error` set (the caller discards what was written); anything thrown comes from a port
/// (disk, database) and means "try again later".
///
/// Rows are read into batches of `batchSize`; each batch is decided in file order against the
/// directory as it stands after the rows before it (`RowBatch`), and its users are read and written
/// in email order, so SQLite visits each page of the email index once per batch, not once per row.
/// While one full batch is written (on a second thread, `BatchWorker`), the next is parsed.
///
/// The size trades speed for memory, measured on a million-row file against a 10-million-row one:
/// 32,768 rows took 5.2 s and peaked at 60 MB (two batches are alive at once); 24,576 rows take
/// 5.4 s and about 54 MB; 16,384 rows 5.8 s and 43 MB. The limit for any file is 64 MB.
public struct Importer: Sendable {
    public let options: ImportOptions
    public static let chunkSize = 256 * 1024
    public static let batchSize = 24_576

    public init(options: ImportOptions) {
        self.options = options
    }

    public func run<Source: ByteSource, Directory: UserDirectory, Sink: RowResultSink>(
        source: inout Source, encoding forced: InputEncoding? = nil, directory: inout Directory,
        results: inout Sink
    ) throws -> ImportSummary {
        var summary = ImportSummary()
        do {
            // The directory and the sink are handed to the batch worker by address: while a batch
            // is in flight only the worker touches them (see `BatchWorker`).
            var counts = OutcomeCounts()
            try withUnsafeMutablePointer(to: &directory) { directory in
                try withUnsafeMutablePointer(to: &results) { results in
                    try withUnsafeMutablePointer(to: &counts) { counts in
                        let ports = BatchPorts(directory: directory, results: results, counts: counts)
                        try read(source: &source, forced: forced, ports: ports, into: &summary)
                    }
                }
            }
        } catch let error as FileError {
            summary.error = error
        }
        try results.finish()
        return summary
    }

    private func read<Source: ByteSource, Directory: UserDirectory, Sink: RowResultSink>(
        source: inout Source, forced: InputEncoding?, ports: BatchPorts<Directory, Sink>,
        into summary: inout ImportSummary
    ) throws {
        var decoder = TextDecoder(forced: forced)
        var parser = CSVParser(maxRecordBytes: options.maxRecordBytes)
        var validator: RowValidator?
        var sawHeader = false
        var batch = RowBatch()
        let worker = BatchWorker()
        // Never leave with a batch still being written: the caller owns the directory again.
        defer { try? worker.wait() }

        // A full batch is written on the worker's thread while the next one is parsed.
        func handOver() throws {
            let full = batch.prepared()
            batch = RowBatch()
            try worker.wait()
            worker.start { try full.apply(to: ports) }
        }

        // The last, partial batch is written here: a small file never waits for a thread.
        func finishBatches() throws {
            try worker.wait()
            try batch.prepared().apply(to: ports)
            batch = RowBatch()
            summary.counts = ports.counts.pointee
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
            if batch.rows.count >= Importer.batchSize { try handOver() }
        }

        defer {
            summary.encoding = decoder.encoding
            // Without a header line there was nothing to detect a delimiter from.
            summary.delimiter = sawHeader ? parser.delimiter : nil
        }
        do {
            try withUnsafeTemporaryAllocation(byteCount: Importer.chunkSize, alignment: 16) { buffer in
                while true {
                    let count = try source.read(into: buffer)
                    if count == 0 { break }
                    summary.bytes += count
                    try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) { text in
                        try parser.parse(text, emit: handle)
                    }
                }
            }
            if summary.bytes == 0 { throw FileError.empty }
            try decoder.finish { text in try parser.parse(text, emit: handle) }
            try parser.finish(emit: handle)
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

/// Where batches are written: the caller's directory and sink, and the running counts, by address.
/// One thread at a time uses them: the batch worker while a batch is in flight, the caller otherwise.
struct BatchPorts<Directory: UserDirectory, Sink: RowResultSink> {
    let directory: UnsafeMutablePointer<Directory>
    let results: UnsafeMutablePointer<Sink>
    let counts: UnsafeMutablePointer<OutcomeCounts>
}

/// Rows read but not yet decided; `prepared()` readies them for `PreparedBatch.apply`, the one
/// loop that decides them.
struct RowBatch {
    var rows: [ParsedRow] = []

    /// The batch with its distinct users in the directory's key order, worked out by the thread
    /// that parsed it, so the one writing to the directory does only that.
    func prepared() -> PreparedBatch {
        // Sorting the rows' emails gives the batch's distinct users in key order; `slot[row]` is
        // where the row's user sits in that order. Arrays, not dictionaries: a batch stays a few
        // megabytes.
        var byEmail: [(email: String, row: Int)] = []
        byEmail.reserveCapacity(rows.count)
        for (index, parsed) in rows.enumerated() {
            if case .valid(let row) = parsed { byEmail.append((row.email, index)) }
        }
        byEmail.sort { RowBatch.emailOrder($0.email, $1.email) }
        var emails: [String] = []
        var slot = [Int](repeating: -1, count: rows.count)
        for entry in byEmail {
            if emails.last != entry.email { emails.append(entry.email) }
            slot[entry.row] = emails.count - 1
        }
        return PreparedBatch(rows: rows, emails: emails, slot: slot)
    }

    /// SQLite's BINARY collation, byte order of the UTF-8 text. A valid email is ASCII, where
    /// Swift's string order (a memcmp on this path) is that same order.
    static func emailOrder(_ a: String, _ b: String) -> Bool {
        a < b
    }
}

/// A batch ready to apply: its rows, its distinct emails in key order, and each row's email slot.
struct PreparedBatch {
    let rows: [ParsedRow]
    let emails: [String]
    let slot: [Int]

    func apply<Directory: UserDirectory, Sink: RowResultSink>(to ports: BatchPorts<Directory, Sink>) throws {
        try apply(
            directory: &ports.directory.pointee, results: &ports.results.pointee,
            counts: &ports.counts.pointee)
    }

    /// Decides every row in file order — each against the user as the rows before it left it —
    /// then writes the batch's changed users in email order.
    func apply<Directory: UserDirectory, Sink: RowResultSink>(
        directory: inout Directory, results: inout Sink, counts: inout OutcomeCounts
    ) throws {
        guard !rows.isEmpty else { return }
        var users = try directory.users(emails: emails)
        var changed = [Bool](repeating: false, count: emails.count)
        for (index, parsed) in rows.enumerated() {
            let result: RowResult
            switch parsed {
            case .invalid(let invalid):
                result = invalid
            case .valid(let row):
                let decision = RowRules.decide(row, current: users[slot[index]])
                if let user = decision.write {
                    users[slot[index]] = user
                    changed[slot[index]] = true
                    if let kind = decision.notification {
                        try directory.queue(kind, for: user, line: row.line)
                    }
                }
                result = RowResult(
                    line: row.line, email: row.email, status: row.status.rawValue, outcome: decision.outcome,
                    reason: decision.reason)
            }
            counts[result.outcome] += 1
            try results.record(result)
        }
        // Handed over a few thousand at a time, still in email order: a second array of every
        // changed user would be the batch's largest allocation.
        var written: [StoredUser] = []
        written.reserveCapacity(Self.usersPerStore)
        for (index, user) in users.enumerated() where changed[index] {
            guard let user else { continue }
            written.append(user)
            if written.count == Self.usersPerStore {
                try directory.store(written)
                written.removeAll(keepingCapacity: true)
            }
        }
        if !written.isEmpty { try directory.store(written) }
    }

    static let usersPerStore = 4_096
}
