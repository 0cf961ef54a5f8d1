import Foundation
import UserImportCore
import UserImportStore

/// What `userimportctl status` reports: the first thing an operator runs.
public struct ServiceStatus: Sendable {
    public var daemonRunning: Bool
    /// `ActiveState` and `StatusText` from systemd, when the system runs systemd and knows the unit.
    public var systemdState: String?
    public var systemdStatus: String?
    public var inboxWaiting: Int
    public var inboxInProgress: Int
    public var workFiles: Int
    public var lastImport: ImportRecord?
    public var outboxPending: Int
    public var outboxFailed: Int
    public var database: String

    public static func gather(configuration: Configuration, database: ImportDatabase?) throws -> ServiceStatus
    {
        let paths = configuration.paths
        let inbox = (try? Folder(path: paths.inbox).entries()) ?? []
        let work = (try? Folder(path: paths.work).entries()) ?? []
        let history = database.map(ImportHistory.init)
        let outbox = database.map(OutboxListing.init)
        let (state, text) = systemd()
        return ServiceStatus(
            daemonRunning: StateLock.isHeld(databasePath: paths.database), systemdState: state,
            systemdStatus: text,
            inboxWaiting: inbox.filter { $0.name.kind != .inProgress }.count,
            inboxInProgress: inbox.filter { $0.name.kind == .inProgress }.count,
            workFiles: work.filter { !$0.name.bytes.starts(with: Array(".report-".utf8)) }.count,
            lastImport: try history?.recent(limit: 1).first,
            outboxPending: try outbox?.count(state: .pending) ?? 0,
            outboxFailed: try outbox?.count(state: .failed) ?? 0, database: paths.database)
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
