import Glibc
import UserImportCore
import UserImportStore

extension ImportPipeline {
    /// Imports a file already claimed into the work folder, in ONE transaction holding the user
    /// changes, the history row, every row's result and the queued emails. Returns the committed
    /// record and the publish attempt that names it in done/ or failed/.
    func importClaimed(_ workName: FileName, receivedAt: Timestamp, readFailures: Int = 0) throws -> (
        ImportRecord, Int
    ) {
        let info = try work.status(of: workName)
        var precheck = FilePrecheck.problem(name: workName, info: info, maxFileSize: settings.maxFileSize)
        var fd: Int32 = -1
        defer { if fd >= 0 { close(fd) } }
        // A file too large, or not a regular file, is never opened.
        if info.kind == .regular && !isTooLarge(precheck) {
            do {
                fd = try work.openForReading(workName)
            } catch let error as SystemError where error.isProblemWithTheFile {
                precheck = .unreadable(reason: error.reason)
            }
        }
        var opened = stat()
        if fd >= 0 {
            if fstat(fd, &opened) != 0 || opened.st_mode & S_IFMT != S_IFREG {
                precheck = .notRegularFile(kind: "file that is no longer regular")
            } else if opened.st_nlink > 1 {
                // Linked again between the inbox check and the claim.
                precheck = .multipleLinks(count: Int(opened.st_nlink))
            }
        }
        // A file failed before parsing is fingerprinted outside the write transaction.
        var sha256 = ""
        if precheck != nil && fd >= 0 {
            var source = makeSource(fd: fd, name: workName, size: info.size)
            sha256 = try source.finishHash()
        }
        if precheck == nil && readFailures >= Self.maxReadFailures {
            precheck = .unreadable(reason: "reading failed \(readFailures) times")
        }

        let startedAt = now()
        return try database.connection.transaction {
            let id = try history.begin(
                workName: workName, size: info.size, ownerUID: info.ownerUID, receivedAt: receivedAt,
                startedAt: startedAt)
            var record = ImportRecord(
                id: id, fileName: workName.display, path: nil, sha256: sha256, size: info.size,
                ownerUID: info.ownerUID, receivedAt: receivedAt, startedAt: startedAt, finishedAt: startedAt,
                disposition: .failed, duplicateOf: nil, error: precheck?.message, summary: ImportSummary())
            if precheck == nil {
                var source = makeSource(fd: fd, name: workName, size: info.size)
                try apply(&source, to: &record)
                TestHooks.readToEnd(workName)
                // A writer that kept the file open across the rename appended or rewrote it: what
                // was read is not what would be published. Roll back; it is read again once settled.
                if try hasChanged(fd, since: opened, name: workName) {
                    throw FileChangedWhileReading(file: workName)
                }
            }
            record.finishedAt = now()
            let (destination, prefix) = destination(for: record.disposition)
            let attempt = firstFreeAttempt(for: workName, id: id, in: destination)
            record.path = prefix + workName.publishedName(importID: id, attempt: attempt).display
            try history.finish(record, publishAttempt: attempt)
            return (record, attempt)
        }
    }

    /// Reading the dropped file failed this often (EIO, …): it fails as unreadable.
    static let maxReadFailures = 5

    /// Size, modification or change time differ from when the file was opened.
    private func hasChanged(_ fd: Int32, since opened: stat, name: FileName) throws -> Bool {
        var now = stat()
        guard fstat(fd, &now) == 0 else { throw SystemError("cannot stat", name: name.display) }
        return now.st_size != opened.st_size
            || (now.st_mtim.tv_sec, now.st_mtim.tv_nsec) != (opened.st_mtim.tv_sec, opened.st_mtim.tv_nsec)
            || (now.st_ctim.tv_sec, now.st_ctim.tv_nsec) != (opened.st_ctim.tv_sec, opened.st_ctim.tv_nsec)
    }

    private func isTooLarge(_ problem: FileError?) -> Bool {
        if case .tooLarge = problem { return true }
        return false
    }

    /// Runs the importer inside a savepoint so a file-level error, a duplicate or strict mode can
    /// discard every row while the history row stays.
    private func apply(_ source: inout FileSource, to record: inout ImportRecord) throws {
        let connection = database.connection
        let importer = Importer(options: settings.options)
        try connection.execute("SAVEPOINT file_rows")
        var summary = try runImporter(importer, &source, encoding: nil, id: record.id)
        if let fallback = FileFate.retryEncoding(after: summary, fallback: settings.options.fallbackEncoding)
        {
            try connection.execute("ROLLBACK TO file_rows")
            try source.rewind()
            summary = try runImporter(importer, &source, encoding: fallback, id: record.id)
        }
        record.sha256 = try source.finishHash()
        let earlier =
            summary.error == nil ? try history.doneImport(sha256: record.sha256, excluding: record.id) : nil
        let fate = FileFate.decide(summary, earlierImport: earlier)
        if !fate.appliesChanges { try connection.execute("ROLLBACK TO file_rows") }
        if fate.listsRowsNotApplied {
            // Nothing is applied, but the report still lists what each row would have done:
            // a second pass over a dry-run directory (kept in a TEMP table, so memory stays flat).
            try source.rewind()
            var directory = try DryRunUserDirectory(database: database)
            var rows = try RowResultWriter(database: database, importID: record.id)
            _ = try importer.run(
                source: &source, encoding: summary.encoding, directory: &directory, results: &rows)
            try directory.discard()
        }
        try connection.execute("RELEASE file_rows")
        record = fate.applied(to: record)
    }

    private func runImporter(
        _ importer: Importer, _ source: inout FileSource, encoding: InputEncoding?, id: Int64
    ) throws -> ImportSummary {
        var directory = try SQLiteUserDirectory(database: database, importID: id, now: now())
        var rows = try RowResultWriter(database: database, importID: id)
        return try importer.run(source: &source, encoding: encoding, directory: &directory, results: &rows)
    }

    private func makeSource(fd: Int32, name: FileName, size: Int) -> FileSource {
        let display = name.display
        return FileSource(fd: fd, name: display) { [self] bytesRead in
            if shouldStop() { throw ImportInterrupted() }
            onProgress(display, bytesRead, size)
            TestHooks.reading(name)
        }
    }

    /// The first publish attempt whose name and report name are both free in `folder`.
    func firstFreeAttempt(for name: FileName, id: Int64, in folder: Folder, from start: Int = 0) -> Int {
        var attempt = start
        while true {
            let candidate = name.publishedName(importID: id, attempt: attempt)
            if !folder.exists(candidate) && !folder.exists(candidate.reportName) { return attempt }
            attempt += 1
        }
    }

    /// done/ or failed/, and the prefix of the path recorded in the history.
    func destination(for disposition: Disposition) -> (Folder, String) {
        switch (disposition, settings.duplicatePolicy) {
        case (.failed, _), (.duplicate, .failed): return (failed, "failed/")
        case (.done, _), (.duplicate, .done): return (done, "done/")
        }
    }

    /// The folder a committed import publishes into, from its recorded path (the policy may have
    /// changed since it was committed).
    func destination(of record: ImportRecord) -> (Folder, String) {
        (record.path ?? "").hasPrefix("failed/") ? (failed, "failed/") : (done, "done/")
    }
}
