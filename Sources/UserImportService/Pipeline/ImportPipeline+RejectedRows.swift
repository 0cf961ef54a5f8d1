import Glibc
import UserImportCore
import UserImportStore

extension ImportPipeline {
    /// Writes `<name>.rejected.csv` into `folder` beside the report (temp in work/, fsync, rename),
    /// for an import with rows it did not apply.
    ///
    /// Rendered, as the report is, from the history alone: the header as the import read it and
    /// the cells each row not applied kept in its stored result. So a restart after a crash writes
    /// the same file whether the dropped file is still in work/ or not.
    func writeRejectedRows(_ record: ImportRecord, to folder: Folder, as name: FileName) throws {
        guard RejectedRowsText.isWritten(for: record) else { return }
        let temp = FileName(".report-\(record.id).rejected.tmp")
        let output = try work.create(temp)
        defer { close(output) }
        var writer = FileWriter(fd: output, name: temp.display, onFlush: onBusy)
        // A byte-order mark tells spreadsheet programs the text is UTF-8; the importer skips it.
        if record.summary.encoding != .utf8 { writer.write("\u{FEFF}") }
        let delimiter = record.summary.delimiter ?? .comma
        let header = record.summary.headers.map(\.header)
        RejectedRowsText.writeHeader(header, delimiter: delimiter, to: &writer)
        let rows = try store.rows(importID: record.id, keeping: RejectedRowsText.holds)
        for row in rows {
            RejectedRowsText.writeRow(
                row.cells ?? [], reason: row.reason, header: header, delimiter: delimiter, to: &writer)
        }
        if let failure = rows.failure { throw failure }
        try writer.finish()
        try publishMove(temp, to: folder, as: name, replace: true)
    }
}
