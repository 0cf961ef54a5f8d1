import Glibc
import Logging
import UserImportCore
import UserImportStore

/// The life of a dropped file (the README's "What happens to a file"): claim → import in one transaction → report → publish.
///
/// Every file gets an explicit fate here: skipped for now (in-progress name, more than one hard
/// link, vanished), imported, failed with a reason, or left for a retry when the error is
/// transient (a thrown error from `processInbox`).
public final class ImportPipeline {
    public private(set) var settings: PipelineSettings
    /// The history, the directory and the outbox: SQLite, or PostgreSQL ([Database] Backend).
    let store: any PipelineStore
    let inbox: Folder
    let done: Folder
    let failed: Folder
    let held: Folder
    let work: Folder
    let logger: Logger
    let now: () -> Timestamp
    /// Asked between chunks of a file: true stops the import, rolling its transaction back; the
    /// file stays claimed and the next start imports it again.
    public var shouldStop: () -> Bool = { false }
    /// Told the file in hand and how far it has been read (bytes read, size).
    public var onProgress: (_ file: String, _ bytesRead: Int, _ size: Int) -> Void = { _, _, _ in }
    /// Called often during work that reads no file (commits, reports), to show the daemon is alive.
    public var onBusy: () -> Void = {} {
        didSet {
            let busy = onBusy
            store.onProgress(busy)
        }
    }
    /// Runs an undo's commit while no email is being sent (the daemon's delivery worker takes the
    /// same lock around each send); with no worker in the process, at once.
    public var exclusiveOfSending: (_ body: () throws -> Void) throws -> Void = { try $0() }
    /// Rows of the undone import an undo plans at a time (tests make it small, to cross windows).
    public var undoWindowRows = 10_000
    /// Inbox entries left where they are and said once: a file with several links, a directory
    /// named as a request.
    var warnedEntries = Set<FileName>()
    /// Failed reads of a claimed file, so that a file the disk cannot deliver eventually fails.
    private var readFailures: [FileName: Int] = [:]
    /// Other daemons' work folders that cannot be finished from here (said once each).
    var unreachableWork = Set<String>()

    public convenience init(
        settings: PipelineSettings, logger: Logger, now: @escaping () -> Timestamp = SystemClock.now
    ) throws {
        try self.init(settings: settings, logger: logger, now: now) {
            switch settings.database.backend {
            case .sqlite: return try SQLitePipelineStore(path: settings.paths.database)
            case .postgresql:
                guard !settings.database.url.isEmpty else { throw SetupError.databaseURLMissing }
                let paths = settings.paths
                return try PostgresPipelineStore(
                    url: settings.database.url, daemon: Self.daemonName(work: paths.work),
                    folders: [paths.done, paths.failed, paths.held].joined(separator: "\n"),
                    takeoverAfterMilliseconds: settings.database.takeoverAfterMilliseconds)
            }
        }
    }

    /// The folders made and checked, then the store `makeStore` opens (another daemon's work
    /// folder is finished with a store answering for it).
    init(
        settings: PipelineSettings, logger: Logger, now: @escaping () -> Timestamp,
        makeStore: () throws -> any PipelineStore
    ) throws {
        let paths = settings.paths
        for parent in Set([paths.inbox, paths.done, paths.failed, paths.held, paths.work].map(Self.parent)) {
            try Self.makeDirectories(parent)
        }
        // setgid inbox: files dropped by members of the group stay in the group.
        inbox = try Folder(path: paths.inbox, create: 0o2770)
        done = try Folder(path: paths.done, create: 0o2750)
        failed = try Folder(path: paths.failed, create: 0o2750)
        held = try Folder(path: paths.held, create: 0o2750)
        work = try Folder(path: paths.work, create: 0o700)
        let devices = try [inbox, done, failed, held, work].map { ($0.path, try $0.info().device) }
        if Set(devices.map(\.1)).count > 1 {
            let list = devices.map { "\($0.0) (device \($0.1))" }.joined(separator: ", ")
            throw SetupError.mixedFilesystems(deviceList: list)
        }
        // The state lock and the progress file live beside [Paths] Database whichever the backend.
        try Self.makeDirectories(Self.parent(paths.database))
        store = try makeStore()
        self.settings = settings
        self.logger = logger
        self.now = now
        store.whileWaiting { [weak self] in
            guard let self else { return }
            onBusy()
            if shouldStop() { throw ImportInterrupted() }
        }
    }

    /// Imports received since `time`.
    public func importCount(since time: Timestamp) throws -> Int {
        try store.importCount(since: time)
    }

    /// Applies a reloaded configuration. Paths cannot change under a running daemon: the caller
    /// keeps the old ones and says so.
    public func update(options: ImportOptions, maxFileSize: Int, duplicatePolicy: DuplicatePolicy) {
        settings.options = options
        settings.maxFileSize = maxFileSize
        settings.duplicatePolicy = duplicatePolicy
    }

    /// Imports every file waiting in the inbox, oldest first; returns what was recorded.
    /// Throws on a transient error (disk full, database busy): the file in hand stays claimed in the
    /// work folder and `reconcile()` takes it up again.
    @discardableResult
    public func processInbox() throws -> [ImportRecord] {
        let waiting = try waitingEntries()
        var records: [ImportRecord] = []
        for (name, info) in waiting {
            if let record = try process(name, info: info) { records.append(record) }
        }
        return records
    }

    /// An inbox entry as it is now.
    public func status(of name: FileName) throws -> EntryInfo {
        try inbox.status(of: name)
    }

    /// A claimed entry in the work folder as it is now.
    public func claimedStatus(of name: FileName) throws -> EntryInfo {
        try work.status(of: name)
    }

    /// The inbox's entries, oldest first (modification time, then name).
    public func waitingEntries() throws -> [(name: FileName, info: EntryInfo)] {
        try inbox.entries().sorted { ($0.info.modified, $0.name) < ($1.info.modified, $1.name) }
    }

    /// Takes one inbox entry through its whole life, or leaves it for later.
    public func process(_ name: FileName, info listed: EntryInfo) throws -> ImportRecord? {
        if name.kind == .inProgress { return nil }
        if case .request(let action, let id) = name.kind, let held = action.held {
            guard try claimRequest(name) else { return nil }
            return try carryOut(held, on: id, requestedBy: name)
        }
        // The listing may be old by now (a long import came between): look again.
        guard let info = try? inbox.status(of: name) else { return nil }
        if info.kind == .regular && info.links > 1 {
            // It may be a link to a file the dropper cannot read; `ln` then `rm` drops are taken at links == 1.
            guard warnedEntries.insert(name).inserted else { return nil }
            logger.warning(
                "file has more than one hard link; not imported until it has one",
                metadata: ["file": "\(LogText.escaped(name.display))", "links": "\(info.links)"])
            return nil
        }
        guard try claim(name) else { return nil }
        warnedEntries.remove(name)
        return try importAndPublish(name, receivedAt: now())
    }

    /// Moves an inbox entry into the work folder, which makes it this daemon's (with the inbox
    /// shared, the rename gives it to one daemon). False when it is gone already (another daemon
    /// took it), or one of that name is still in hand from an earlier failure.
    func claim(_ name: FileName) throws -> Bool {
        do {
            try inbox.move(name, to: work, as: name, replace: false)
        } catch let error as SystemError where error.code == ENOENT || error.code == EEXIST {
            return false
        }
        // The claim must survive a power cut if the import's commit does.
        try work.sync()
        TestHooks.reached(.claimed, file: name)
        return true
    }

    func importAndPublish(_ workName: FileName, receivedAt: Timestamp) throws -> ImportRecord {
        let committed: UnpublishedImport
        do {
            committed = try importClaimed(
                workName, receivedAt: receivedAt, readFailures: readFailures[workName, default: 0])
        } catch let error as SourceReadError {
            readFailures[workName, default: 0] += 1
            throw error
        }
        readFailures[workName] = nil
        store.committed()
        TestHooks.reached(.committed, file: workName)
        let published = try publish(committed)
        log(published)
        return published
    }

    func log(_ record: ImportRecord) {
        var metadata: Logger.Metadata = [
            "import_id": "\(record.id)", "file": "\(LogText.escaped(record.fileName))",
            "sha256": "\(record.sha256)",
            "disposition": "\(record.disposition.rawValue)", "rows_total": "\(record.summary.rows)",
        ]
        for outcome in RowOutcome.allCases {
            metadata["rows_\(outcome.rawValue)"] = "\(record.summary.counts[outcome])"
        }
        if let path = record.path { metadata["path"] = "\(LogText.escaped(path))" }
        switch record.disposition {
        case .done:
            metadata["message_id"] = "\(LogMessageID.importDone)"
            logger.info("import finished", metadata: metadata)
        case .duplicate:
            metadata["message_id"] = "\(LogMessageID.importDuplicate)"
            logger.info("import skipped as a duplicate", metadata: metadata)
        case .failed:
            metadata["message_id"] = "\(LogMessageID.importFailed)"
            metadata["error"] = "\(LogText.escaped(record.error ?? ""))"
            logger.warning("import failed", metadata: metadata)
        case .held:
            metadata["message_id"] = "\(LogMessageID.importHeld)"
            metadata["reason"] = "\(LogText.escaped(record.error ?? ""))"
            logger.warning(
                "import held by the mass-change guard; nothing applied, waiting in held/ for a release or a reject",
                metadata: metadata)
        }
    }

    /// This daemon among several on one database: the host and its work folder, which stay the
    /// same across restarts (a restarted daemon publishes what it committed before).
    static func daemonName(work: String) -> String {
        var host = [UInt8](repeating: 0, count: 256)
        let name =
            gethostname(&host, host.count - 1) == 0
            ? String(decoding: host.prefix { $0 != 0 }, as: UTF8.self) : "localhost"
        let folder = realpath(work, nil).map { resolved in
            defer { free(resolved) }
            return String(cString: resolved)
        }
        return name + ":" + (folder ?? work)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `mkdir -p` for the state directory itself (the folders inside get their own modes).
    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if access(current, F_OK) != 0 && mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw SystemError("cannot create directory", name: current)
            }
        }
    }
}

/// Raised from inside an import when the daemon is asked to stop.
public struct ImportInterrupted: Error, CustomStringConvertible {
    public init() {}

    public var description: String { "stopped by request; the file will be imported again at the next start" }
}

/// The claimed file changed while it was being read (its writer still had it open): the import is
/// rolled back and the file stays claimed, to be read again once it has settled (the README's "Running the daemon").
public struct FileChangedWhileReading: Error, CustomStringConvertible {
    public let file: FileName

    public init(file: FileName) {
        self.file = file
    }

    public var description: String { "the file changed while it was being read; it will be read again" }
}

/// Log values come from outside: make control characters visible so one file cannot forge log lines.
enum LogText {
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out +=
                    "\\x" + (scalar.value < 0x10 ? "0" : "")
                    + String(scalar.value, radix: 16, uppercase: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
