import Glibc
import UserImportCore
import UserImportService
import UserImportStore

/// `userimportctl validate`: exactly what an import of a file would do, changing nothing.
///
/// The same run as the pipeline's (`ImportRun`: the checks before reading, the importer, the
/// fallback encoding, the duplicate rule, the fate); the directory is a read-only overlay, no email
/// is queued, and the row results stay in memory.
enum DryRun {
    struct Result {
        var record: ImportRecord
        var rows: [RowResult]
    }

    /// Where a file of more than a million rows is sorted: `$TMPDIR`, else /var/tmp (it may be
    /// larger than the file, so not a tmpfs /tmp).
    static var scratchFolder: String { temporaryFolder(otherwise: "/var/tmp") }

    /// - Parameters:
    ///   - database: the live database opened read-only, or an empty in-memory one when the
    ///     daemon has not created its database yet (every user is then new).
    ///   - name: the name the file would have in the inbox, when `path` is not it (a copy of
    ///     standard input); it decides the extension check.
    static func validate(
        path: String, name: String? = nil, database: ImportDatabase, settings: PipelineSettings,
        now: Timestamp
    )
        throws -> Result
    {
        var attempt = DryRunAttempt(store: SQLiteDryRunStore(database: database))
        return try validate(path: path, name: name, settings: settings, now: now, attempt: &attempt)
    }

    /// The same over any store's dry-run attempt (PostgreSQL's, inside a transaction rolled back).
    static func validate<Store: DryRunStore>(
        path: String, name: String?, settings: PipelineSettings, now: Timestamp,
        attempt: inout DryRunAttempt<Store>
    ) throws -> Result {
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
        let problem = FileFate.precheck(name: name, info: info, maxFileSize: settings.maxFileSize)
        var fd: Int32 = -1
        defer { if fd >= 0 { close(fd) } }
        if problem == nil {
            fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { throw SystemError("cannot open", name: path) }
        }
        let input: ImportRun.Input<FileSource> =
            problem.map { .failedBefore($0) } ?? .opened(FileSource(fd: fd, name: path), size: info.size)
        let outcome = try ImportRun.run(
            input, importer: .overlapping(settings.options, scratch: DryRun.scratchFolder), attempt: &attempt)
        record.sha256 = outcome.sha256 ?? ""
        record = outcome.fate.applied(to: record)
        return Result(record: record, rows: attempt.rows.rows)
    }
}

/// What a dry run asks of its store: a fresh overlay of the directory (changes kept aside, the
/// stored users untouched), and the history's answers.
protocol DryRunStore {
    associatedtype Overlay: UserDirectory
    func overlay() throws -> Overlay
    func discardOverlay() throws
    func hasDoneImport(size: Int) throws -> Bool
    func earlierImport(sha256: String) throws -> Int64?
    func summary(ofImport id: Int64) throws -> ImportSummary
    /// Invited and active users as stored: the overlay leaves them as they were before the file.
    func usersBefore() throws -> Int
}

/// A dry run's attempt at a file, on either backend: changes in the store's overlay, no emails,
/// rows in memory.
struct DryRunAttempt<Store: DryRunStore>: ImportAttempt {
    let store: Store
    var rows = CollectedRows()

    mutating func read<Source: ByteSource>(
        _ source: inout Source, with importer: Importer, encoding: InputEncoding?
    ) throws -> ImportSummary {
        var directory = try store.overlay()
        var outbox = NoNotifications()
        return try importer.run(
            source: &source, encoding: encoding, directory: &directory, outbox: &outbox, results: &rows)
    }

    mutating func discard() throws {
        rows = CollectedRows()
        try store.discardOverlay()
    }

    mutating func listRows<Source: ByteSource>(
        _ source: inout Source, with importer: Importer, encoding: InputEncoding?
    ) throws {
        _ = try read(&source, with: importer, encoding: encoding)
    }

    func hasDoneImport(size: Int) throws -> Bool { try store.hasDoneImport(size: size) }
    func earlierImport(sha256: String) throws -> Int64? { try store.earlierImport(sha256: sha256) }
    func summary(ofImport id: Int64) throws -> ImportSummary { try store.summary(ofImport: id) }
    func existingUsersBefore(_ read: ImportSummary) throws -> Int { try store.usersBefore() }

    /// A dry run is never a release: it says whether the guard would hold the file.
    func releasedHold(sha256: String) throws -> Int64? { nil }

    var importID: Int64? { nil }
}

/// The SQLite file's overlay is a TEMP table beside the live directory.
struct SQLiteDryRunStore: DryRunStore {
    let database: ImportDatabase

    func overlay() throws -> DryRunUserDirectory { try DryRunUserDirectory(database: database) }
    func discardOverlay() throws { try DryRunUserDirectory(database: database).discard() }
    func hasDoneImport(size: Int) throws -> Bool {
        try ImportHistory(database: database).doneImportExists(size: size)
    }
    func earlierImport(sha256: String) throws -> Int64? {
        try ImportHistory(database: database).doneImport(sha256: sha256)
    }
    func summary(ofImport id: Int64) throws -> ImportSummary {
        try ImportHistory(database: database).record(id: id)?.summary ?? ImportSummary()
    }
    func usersBefore() throws -> Int {
        try UserListing(database: database).count(states: [.invited, .active])
    }
}
