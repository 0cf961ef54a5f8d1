import Glibc
import UserImportCore
import UserImportStore

/// `userimportctl validate`: exactly what an import of a file would do, changing nothing.
///
/// Same prechecks, same importer, same duplicate rule as the pipeline; the directory is a
/// read-only overlay and the row results stay in memory.
public enum DryRun {
    public struct Result {
        public var record: ImportRecord
        public var rows: [RowResult]
    }

    /// - Parameters:
    ///   - database: the live database opened read-only, or an empty one when none exists yet.
    ///   - name: the name the file would have in the inbox, when `path` is not it (a copy of
    ///     standard input); it decides the extension check.
    public static func validate(
        path: String, name: String? = nil, database: ImportDatabase, settings: PipelineSettings,
        now: Timestamp
    )
        throws -> Result
    {
        let baseName = name ?? path.split(separator: "/").last.map(String.init) ?? path
        let name = FileName(bytes: Array(baseName.utf8))
        var st = stat()
        guard lstat(path, &st) == 0 else { throw SystemError("cannot stat", name: path) }
        let info = EntryInfo(st)
        var record = ImportRecord(
            id: 0, fileName: name.display, path: nil, sha256: "", size: info.size, ownerUID: info.ownerUID,
            receivedAt: now, startedAt: now, finishedAt: now, disposition: .failed, duplicateOf: nil,
            error: nil,
            summary: ImportSummary())
        if let problem = FilePrecheck.problem(name: name, info: info, maxFileSize: settings.maxFileSize) {
            record.error = problem.message
            return Result(record: record, rows: [])
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("cannot open", name: path) }
        defer { close(fd) }
        var source = FileSource(fd: fd, name: path)
        let importer = Importer(options: settings.options)
        var directory = try DryRunUserDirectory(database: database)
        var rows = CollectedRows()
        var summary = try importer.run(source: &source, directory: &directory, results: &rows)
        if let fallback = FileFate.retryEncoding(after: summary, fallback: settings.options.fallbackEncoding)
        {
            try source.rewind()
            directory = try DryRunUserDirectory(database: database)
            rows = CollectedRows()
            summary = try importer.run(
                source: &source, encoding: fallback, directory: &directory, results: &rows)
        }
        record.sha256 = try source.finishHash()
        let earlier =
            summary.error == nil
            ? try ImportHistory(database: database).doneImport(sha256: record.sha256) : nil
        let fate = FileFate.decide(summary, earlierImport: earlier)
        record = fate.applied(to: record)
        let kept = fate.keepsRows ? rows.rows : []
        return Result(record: record, rows: kept)
    }
}
