/// Reads one file and applies it row by row: decode → parse → header → validate → decide → write.
///
/// Pure: all I/O goes through the ports, so the same loop serves the real import (SQLite inside
/// one transaction), the dry run, and tests. A file-level problem ends the run with
/// `summary.error` set (the caller discards what was written); anything thrown comes from a port
/// (disk, database) and means "try again later".
public struct Importer: Sendable {
    public let options: ImportOptions
    public static let chunkSize = 256 * 1024

    public init(options: ImportOptions) {
        self.options = options
    }

    public func run<Source: ByteSource, Directory: UserDirectory, Sink: RowResultSink>(
        source: inout Source, encoding forced: InputEncoding? = nil, directory: inout Directory,
        results: inout Sink
    ) throws -> ImportSummary {
        var summary = ImportSummary()
        do {
            try read(
                source: &source, forced: forced, directory: &directory, results: &results, into: &summary)
        } catch let error as FileError {
            summary.error = error
        }
        return summary
    }

    private func read<Source: ByteSource, Directory: UserDirectory, Sink: RowResultSink>(
        source: inout Source, forced: InputEncoding?, directory: inout Directory, results: inout Sink,
        into summary: inout ImportSummary
    ) throws {
        var decoder = TextDecoder(forced: forced)
        var parser = CSVParser(maxRecordBytes: options.maxRecordBytes)
        var validator: RowValidator?
        var sawHeader = false

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
            let result: RowResult
            switch rowValidator.parse(record) {
            case .invalid(let invalid):
                result = invalid
            case .valid(let row):
                let current = try directory.user(email: row.email)
                let decision = RowRules.decide(row, current: current)
                if let user = decision.write { try directory.store(user, previous: current) }
                if let kind = decision.notification, let user = decision.write {
                    try directory.queue(kind, for: user, line: row.line)
                }
                result = RowResult(
                    line: row.line, email: row.email, status: row.status.rawValue, outcome: decision.outcome,
                    reason: decision.reason)
            }
            summary.counts[result.outcome] += 1
            try results.record(result)
        }

        defer {
            summary.encoding = decoder.encoding
            // Without a header line there was nothing to detect a delimiter from.
            summary.delimiter = sawHeader ? parser.delimiter : nil
        }
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
        if validator == nil { throw FileError.noHeader }
        if summary.rows == 0 {
            summary.warnings.append("the file has a header but no data rows; nothing to do")
        }
        if options.strict && summary.counts.rejected > 0 {
            throw FileError.strictModeRejected(count: summary.counts.rejected)
        }
    }
}
