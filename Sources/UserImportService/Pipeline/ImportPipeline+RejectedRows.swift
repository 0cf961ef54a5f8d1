import Glibc
import Logging
import UserImportCore
import UserImportStore

extension ImportPipeline {
    /// Writes `<name>.rejected.csv` into `folder` beside the report (temp in work/, fsync, rename),
    /// for an import with rows it did not apply.
    ///
    /// The cells come from reading the file itself again (it is in work/, or already in its
    /// folder after a crash), picked out by the lines of the stored row results: the history keeps
    /// no copy of them, and an import with nothing rejected pays nothing. A file that cannot be
    /// read as it was at import time (changed by hand since) gets no rows file and a warning; the
    /// import stands.
    func writeRejectedRows(
        _ record: ImportRecord, from source: Folder, _ sourceName: FileName, to folder: Folder,
        as name: FileName
    ) throws {
        guard RejectedRowsText.isWritten(for: record) else { return }
        let input = try source.openForReading(sourceName)
        defer { close(input) }
        let temp = FileName(".report-\(record.id).rejected.tmp")
        let output = try work.create(temp)
        defer { close(output) }
        var writer = FileWriter(fd: output, name: temp.display, onFlush: onBusy)
        // A byte-order mark tells spreadsheet programs the text is UTF-8; the importer skips it.
        if record.summary.encoding != .utf8 { writer.write("\u{FEFF}") }
        let delimiter = record.summary.delimiter ?? .comma
        let rows = try history.rows(importID: record.id)
        var wanted = rows.lazy.filter { RejectedRowsText.holds($0.outcome) }.makeIterator()
        var next = wanted.next()
        var header: [String]?
        var stream = RecordStream(encoding: record.summary.encoding, maxRecordBytes: .max)
        var file = FileSource(fd: input, name: sourceName.display)
        do {
            try stream.read(&file) { csv in
                guard let columns = header else {
                    header = csv.fields
                    RejectedRowsText.writeHeader(csv.fields, delimiter: delimiter, to: &writer)
                    return
                }
                while let row = next, row.line < csv.line { next = wanted.next() }
                guard let row = next, row.line == csv.line else { return }
                writer.write(
                    RejectedRowsText.row(
                        csv.fields, reason: row.reason, header: columns, delimiter: delimiter))
                next = wanted.next()
            }
        } catch let error as FileError {
            try work.remove(temp)
            logger.warning(
                "the file no longer reads as it did at its import; no file of its rejected rows is written",
                metadata: [
                    "import_id": "\(record.id)", "file": "\(LogText.escaped(record.fileName))",
                    "error": "\(LogText.escaped(error.message))",
                ])
            return
        }
        if let failure = rows.failure { throw failure }
        try writer.finish()
        try work.move(temp, to: folder, as: name, replace: true)
    }
}

/// Ends the second read of a file once every row not applied has been written.
private struct PastTheLastRow: Error {}
