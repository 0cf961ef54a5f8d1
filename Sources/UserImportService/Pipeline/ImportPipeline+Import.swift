import Glibc
import UserImportCore
import UserImportStore

extension ImportPipeline {
    /// Imports a file already claimed into the work folder, in ONE transaction holding the user
    /// changes, the history row, every row's result and the queued emails. Returns the committed
    /// import, with the destination and the publish attempt that name it in done/ or failed/.
    func importClaimed(_ workName: FileName, receivedAt: Timestamp, readFailures: Int = 0) throws
        -> UnpublishedImport
    {
        if case .request(.undo, let target) = workName.kind {
            return try undoClaimed(workName, undoing: target, receivedAt: receivedAt)
        }
        let info = try work.status(of: workName)
        var problem = FileFate.precheck(name: workName, info: info, maxFileSize: settings.maxFileSize)
        var fd: Int32 = -1
        defer { if fd >= 0 { close(fd) } }
        // A file too large, or not a regular file, is never opened.
        if info.kind == .regular && !isTooLarge(problem) {
            do {
                fd = try work.openForReading(workName)
            } catch let error as SystemError where error.isProblemWithTheFile {
                problem = .unreadable(reason: error.reason)
            }
        }
        var opened = stat()
        if fd >= 0 {
            if fstat(fd, &opened) != 0 || opened.st_mode & S_IFMT != S_IFREG {
                problem = .notRegularFile(kind: "file that is no longer regular")
            } else if opened.st_nlink > 1 {
                // Linked again between the inbox check and the claim.
                problem = .multipleLinks(count: Int(opened.st_nlink))
            }
        }
        if problem == nil && readFailures >= Self.maxReadFailures {
            problem = .unreadable(reason: "reading failed \(readFailures) times")
        }
        // A file failed before reading is fingerprinted outside the write transaction.
        var sha256 = ""
        if problem != nil && fd >= 0 {
            var source = makeSource(fd: fd, name: workName, size: info.size)
            sha256 = try source.finishHash()
        }
        let input: ImportRun.Input<FileSource> =
            problem.map { .failedBefore($0) }
            ?? .opened(makeSource(fd: fd, name: workName, size: info.size), size: info.size)

        let startedAt = now()
        return try store.transaction {
            let id = try store.beginImport(
                workName: workName, size: info.size, ownerUID: info.ownerUID, receivedAt: receivedAt,
                startedAt: startedAt)
            var record = ImportRecord(
                id: id, fileName: workName.display, path: nil, sha256: sha256, size: info.size,
                ownerUID: info.ownerUID, receivedAt: receivedAt, startedAt: startedAt, finishedAt: startedAt,
                disposition: .failed, duplicateOf: nil, error: nil, summary: ImportSummary())
            let outcome = try store.readFile(
                input, importer: .overlapping(settings.options, scratch: settings.paths.work), id: id,
                now: now())
            if case .opened = input {
                TestHooks.readToEnd(workName)
                // A writer that kept the file open across the rename appended or rewrote it: what
                // was read is not what would be published. Roll back; it is read again once settled.
                if try hasChanged(fd, since: opened, name: workName) {
                    throw FileChangedWhileReading(file: workName)
                }
            }
            record.sha256 = outcome.sha256 ?? sha256
            record = outcome.fate.applied(to: record)
            record.finishedAt = now()
            // A released file's import completes the release whatever its fate (the configuration
            // may fail it now): the held import is answered, once, in this same transaction.
            let release = try releaseCarriedOut(by: record, workName: workName)
            record.releaseOf = release?.importID
            record.decision = release?.decision
            let committed = try finish(record, workName: workName)
            if let release { try store.completeRelease(release, as: id, path: nil) }
            return committed
        }
    }

    /// Completes the history row inside the transaction, with the folder its fate chose and the
    /// first free name there: what `publish` then carries out.
    func finish(_ record: ImportRecord, workName: FileName) throws -> UnpublishedImport {
        let destination = Destination(record.disposition, duplicates: settings.duplicatePolicy)
        var committed = UnpublishedImport(
            record: record, workName: workName, destination: destination,
            attempt: firstFreeAttempt(for: workName, id: record.id, in: folder(for: destination)))
        committed.record.path = committed.recordedPath
        try store.finishImport(committed.record, publishAttempt: committed.attempt)
        return committed
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

    private func makeSource(fd: Int32, name: FileName, size: Int) -> FileSource {
        let display = name.display
        return FileSource(fd: fd, name: display) { [self] bytesRead in
            if shouldStop() { throw ImportInterrupted() }
            onProgress(display, bytesRead, size)
            TestHooks.reading(name)
        }
    }

    /// The first publish attempt whose name and the names beside it are all free in `folder`.
    func firstFreeAttempt(for name: FileName, id: Int64, in folder: Folder, from start: Int = 0) -> Int {
        var attempt = start
        while true {
            let candidate = name.publishedName(importID: id, attempt: attempt)
            if !folder.exists(candidate) && !folder.exists(candidate.reportName)
                && !folder.exists(candidate.rejectedRowsName)
            {
                return attempt
            }
            attempt += 1
        }
    }

    func folder(for destination: Destination) -> Folder {
        switch destination {
        case .done: return done
        case .failed: return failed
        case .held: return held
        }
    }

    /// The pending release this import of `workName` carries out: the held import of the same
    /// bytes and the same name. (Should the same bytes under the same name be dropped again while
    /// a release waits, that copy is the one released; the held one then imports as its duplicate.)
    private func releaseCarriedOut(by record: ImportRecord, workName: FileName) throws -> HeldImports.Pending?
    {
        guard !record.sha256.isEmpty, let pending = try store.pendingRelease(sha256: record.sha256),
            let heldImport = try store.placement(id: pending.importID), heldImport.workName == workName
        else { return nil }
        return pending
    }
}

/// An import's attempt at a file inside its transaction: the rows' changes, results and emails go
/// to SQLite, and `discard` rolls them back to the savepoint the pipeline set.
struct PipelineAttempt: ImportAttempt {
    let database: ImportDatabase
    let id: Int64
    let now: Timestamp

    mutating func read<Source: ByteSource>(
        _ source: inout Source, with importer: Importer, encoding: InputEncoding?
    ) throws -> ImportSummary {
        var directory = try SQLiteUserDirectory(database: database, importID: id, now: now)
        var outbox = try SQLiteOutbox(database: database, importID: id, now: now)
        var rows = try RowResultWriter(database: database, importID: id)
        return try importer.run(
            source: &source, encoding: encoding, directory: &directory, outbox: &outbox, results: &rows)
    }

    mutating func discard() throws {
        try database.connection.execute("ROLLBACK TO file_rows")
    }

    /// Against a dry-run directory (kept in a TEMP table, so memory stays flat), with the results
    /// written to the history as an import's are.
    mutating func listRows<Source: ByteSource>(
        _ source: inout Source, with importer: Importer, encoding: InputEncoding?
    ) throws {
        var directory = try DryRunUserDirectory(database: database)
        var outbox = NoNotifications()
        var rows = try RowResultWriter(database: database, importID: id)
        _ = try importer.run(
            source: &source, encoding: encoding, directory: &directory, outbox: &outbox, results: &rows)
        try directory.discard()
    }

    func hasDoneImport(size: Int) throws -> Bool {
        try ImportHistory(database: database).doneImportExists(size: size, excluding: id)
    }

    func earlierImport(sha256: String) throws -> Int64? {
        try ImportHistory(database: database).doneImport(sha256: sha256, excluding: id)
    }

    func summary(ofImport id: Int64) throws -> ImportSummary {
        try ImportHistory(database: database).record(id: id)?.summary ?? ImportSummary()
    }

    /// Counted after the read, inside its savepoint: those it created were not there before, those
    /// it deleted were. Only a file that deletes someone asks, so most imports never count.
    func existingUsersBefore(_ read: ImportSummary) throws -> Int {
        let now = try UserListing(database: database).count(states: [.invited, .active])
        return now - read.counts.created + read.counts.deleted
    }

    func releasedHold(sha256: String) throws -> Int64? {
        try HeldImports(database: database).pendingRelease(sha256: sha256)?.importID
    }

    var importID: Int64? { id }
}
