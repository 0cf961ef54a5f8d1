import Foundation
import Logging
import UserImportCore
import UserImportService
import UserImportStore

/// A private state directory under /tmp with a pipeline on it; removed when the test ends.
final class TestStateDirectory {
    let root: String
    let paths: StatePaths
    private let owned: Bool

    /// A state directory made by someone else (a daemon's view inside its own mount namespace):
    /// read and written here, never removed.
    init(viewing root: String) {
        self.root = root
        paths = StatePaths(stateDirectory: root)
        owned = false
    }

    init() throws {
        let template = NSTemporaryDirectory() + "userimportd-test-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw TestFailure("mkdtemp failed") }
        root = String(cString: made)
        paths = StatePaths(stateDirectory: root)
        owned = true
        // Files may be dropped before the pipeline first runs, as on a real machine.
        mkdir(paths.inbox, 0o2770)
    }

    deinit {
        if owned { try? FileManager.default.removeItem(atPath: root) }
    }

    func pipeline(
        options: ImportOptions = ImportOptions(), maxFileSize: Int = 1 << 30,
        now: @escaping () -> Timestamp = { Timestamp(millisecondsSinceEpoch: 1_767_225_600_000) }
    ) throws -> ImportPipeline {
        try ImportPipeline(
            settings: PipelineSettings(paths: paths, options: options, maxFileSize: maxFileSize),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), now: now)
    }

    /// Writes a file into the inbox (the way a careful dropper does: temp name, then rename).
    func drop(_ name: String, _ bytes: [UInt8]) throws {
        let temp = paths.inbox + "/.drop-" + UUID().uuidString
        try Data(bytes).write(to: URL(fileURLWithPath: temp))
        guard rename(temp, paths.inbox + "/" + name) == 0 else {
            throw TestFailure("rename into inbox failed")
        }
    }

    func drop(_ name: String, _ text: String) throws {
        try drop(name, Array(text.utf8))
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: root + "/" + relative)
    }

    func list(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/" + folder).sorted()
    }

    /// The database, opened read-only as userimportctl does.
    func database() throws -> ImportDatabase {
        try ImportDatabase(path: paths.database, readOnly: true)
    }

    func users() throws -> [String: StoredUser] {
        let connection = try database().connection
        let statement = try connection.prepare(
            "SELECT email, first_name, last_name, alternate_id, work_phone, title, department, state FROM users"
        )
        var result: [String: StoredUser] = [:]
        while try statement.step() {
            let user = StoredUser(
                email: statement.text(0),
                profile: UserProfile(
                    firstName: statement.text(1), lastName: statement.text(2), alternateID: statement.text(3),
                    workPhone: statement.text(4), title: statement.text(5), department: statement.text(6)),
                state: UserState(rawValue: statement.text(7)) ?? .deleted)
            result[user.email] = user
        }
        return result
    }

    func count(_ sql: String) throws -> Int64 {
        try database().connection.scalar(sql) ?? -1
    }

    /// Each import's stored row results, read back as the report reads them: a chunk that does
    /// not decode fails the test. Imports without rows are absent.
    func storedRows() throws -> [Int64: [RowResult]] {
        let database = try database()
        let history = ImportHistory(database: database)
        let ids = try database.connection.prepare("SELECT DISTINCT import_id FROM import_row_chunks")
        var result: [Int64: [RowResult]] = [:]
        while try ids.step() {
            let cursor = try history.rows(importID: ids.int(0))
            result[ids.int(0)] = Array(cursor)
            if let failure = cursor.failure { throw failure }
        }
        return result
    }

    /// How many row results are stored, over all imports.
    func storedRowCount() throws -> Int {
        try storedRows().values.reduce(0) { $0 + $1.count }
    }

    /// Every queued email, newest first: the `outbox` table's rows and the entries still in blocks
    /// alike (an import queues blocks; only delivery turns them into rows). One email queued twice
    /// would be listed twice.
    func queuedEmails(_ state: OutboxEntry.State? = nil, kind: NotificationKind? = nil) throws
        -> [OutboxEntry]
    {
        try OutboxListing(database: database()).entries(state: state, limit: .max).filter {
            kind == nil || $0.kind == kind
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A writable connection for tests that rebuild a state by hand.
struct ImportDatabaseWriter {
    let database: ImportDatabase

    init(_ state: TestStateDirectory) throws {
        database = try ImportDatabase(path: state.paths.database)
    }

    func execute(_ sql: String) throws {
        try database.connection.execute(sql)
    }
}
