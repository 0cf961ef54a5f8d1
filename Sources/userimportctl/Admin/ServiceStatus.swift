import Foundation
import UserImportCore
import UserImportService
import UserImportStore

/// What `userimportctl status` reports: the first thing an operator runs.
struct ServiceStatus: Sendable {
    var daemonRunning: Bool
    /// `ActiveState` and `StatusText` from systemd, when the system runs systemd and knows the unit.
    var systemdState: String?
    var systemdStatus: String?
    var inboxWaiting: Int
    var inboxInProgress: Int
    var workFiles: Int
    var lastImport: ImportRecord?
    /// Files the mass-change guard holds, waiting for `release` or `reject`, oldest first.
    var held: [ImportRecord]
    var outboxPending: Int
    var outboxSent: Int
    var outboxFailed: Int
    var database: String
    /// Why the database could not be read (missing, permission denied), when it could not.
    var databaseProblem: String?
    /// The file the running daemon has in hand, and how far it has read it.
    var importing: ProgressFile.Progress?

    /// - Parameter readers: the store opened read-only, or why it could not be.
    static func gather(configuration: Configuration, readers opened: Result<StoreReaders, Error>)
        throws -> ServiceStatus
    {
        let readers = try? opened.get()
        let paths = configuration.paths
        let inbox = (try? Folder(path: paths.inbox).entries()) ?? []
        let work = (try? Folder(path: paths.work).entries()) ?? []
        let history = readers?.history
        let outbox = readers?.outbox
        let (state, text) = systemd()
        let running = StateLock.isHeld(databasePath: paths.database)
        var problem: String?
        if case .failure(let error) = opened { problem = String(describing: error) }
        return ServiceStatus(
            daemonRunning: running, systemdState: state,
            systemdStatus: text,
            inboxWaiting: inbox.filter { $0.name.kind != .inProgress }.count,
            inboxInProgress: inbox.filter { $0.name.kind == .inProgress }.count,
            workFiles: work.filter { !$0.name.bytes.starts(with: Array(".report-".utf8)) }.count,
            lastImport: try history?.recent(limit: 1).first,
            held: try readers?.held() ?? [],
            outboxPending: try outbox?.count(state: .pending) ?? 0,
            outboxSent: try outbox?.count(state: .sent) ?? 0,
            outboxFailed: try outbox?.count(state: .failed) ?? 0,
            database: readers?.location ?? paths.database,
            databaseProblem: problem,
            importing: running ? ProgressFile(databasePath: paths.database).read() : nil)
    }

    private static func systemd() -> (String?, String?) {
        guard FileManager.default.fileExists(atPath: "/run/systemd/system"),
            FileManager.default.isExecutableFile(atPath: "/usr/bin/systemctl")
        else { return (nil, nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemctl")
        process.arguments = ["show", "--property=LoadState,ActiveState,StatusText", "userimportd.service"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return (nil, nil) }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        guard values["LoadState"] == "loaded" else { return (nil, nil) }
        return (values["ActiveState"], values["StatusText"])
    }
}
