import ArgumentParser
import Glibc
import UserImportCore
import UserImportService
import UserImportStore

struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Import a file the mass-change guard held, the guard lifted for it alone.",
        discussion: """
            The file is imported against the directory as it is now, exactly once, and ends in
            done/ with a report; the history keeps who released it and when. Waits for the daemon
            and prints the import that applied it; exits 1 if that import failed.
            Example: userimportctl release 12
            """)

    @OptionGroup var decision: HeldDecisionOptions

    func run() throws { try decision.carryOut(.release) }
}

struct RejectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Refuse a file the mass-change guard held: it moves to failed/, nothing applied.",
        discussion: """
            Its report then says who rejected it and when. Waits for the daemon.
            Example: userimportctl reject 12
            """)

    @OptionGroup var decision: HeldDecisionOptions

    func run() throws { try decision.carryOut(.reject) }
}

/// What `release` and `reject` share: the held import, and the request the daemon carries out.
/// This tool cannot write the database; it leaves `release-ID.request` (or `reject-`) in the inbox,
/// whose owner the daemon records as the one who decided.
struct HeldDecisionOptions: ParsableArguments {
    @OptionGroup var state: StateOptions
    @Argument(help: "The held import's ID (see userimportctl status or history --disposition held).")
    var id: Int64
    @Flag(help: "Leave the request and return at once, without waiting for the daemon.") var noWait = false
    @Option(help: "Give up waiting after this many seconds (exit 1; the request stays).") var timeout: Int =
        300

    func carryOut(_ action: HeldAction) throws {
        let history = try state.openHistory()
        guard let record = try history.record(id: id) else {
            throw ToolError.noSuchImport(what: "with ID \(id)")
        }
        guard record.disposition == .held, record.releasedAs == nil else {
            throw ToolError.notHeld(id: id, state: Self.state(of: record))
        }
        let request = FileName.request(RequestAction(rawValue: action.rawValue) ?? .reject, importID: id)
        try Self.leave(request, inInboxOf: state)
        if noWait {
            Output.write("left \(request.display) in the inbox for the daemon\n")
            return
        }
        let answered = try waitForAnswer(deadline: time(nil) + timeout)
        switch action {
        case .release:
            guard let releaseID = answered.releasedAs,
                let release = try state.openHistory().record(id: releaseID)
            else { throw ToolError.notHeld(id: id, state: Self.state(of: answered)) }
            Output.write("import \(id) released as import \(releaseID): \(release.disposition.rawValue)\n")
            if release.disposition == .failed {
                Output.error("\(release.error ?? "failed"); see userimportctl report \(releaseID)")
                throw ExitCode(1)
            }
        case .reject:
            guard answered.disposition == .failed, answered.releasedAs == nil else {
                throw ToolError.notHeld(id: id, state: Self.state(of: answered))
            }
            Output.write("import \(id) rejected: \(answered.path ?? "failed/")\n")
        }
    }

    /// Polls until the held import is answered and the answer's file published.
    private func waitForAnswer(deadline: Int) throws -> ImportRecord {
        let answered = try DaemonAnswer.poll(state, until: deadline) { history -> ImportRecord? in
            guard let record = try history.record(id: id) else { return nil }
            if let releaseID = record.releasedAs, try history.isPublished(id: releaseID) { return record }
            if record.disposition != .held, try history.isPublished(id: id) { return record }
            return nil
        }
        guard let answered else { throw ToolError.notAnsweredInTime(id: id, seconds: timeout) }
        return answered
    }

    /// Leaves an empty request file in the inbox (never replacing one that waits), fsynced.
    static func leave(_ request: FileName, inInboxOf state: StateOptions) throws {
        let inbox = try Folder(path: try state.configuration().paths.inbox)
        do {
            close(try inbox.create(request, mode: 0o640, exclusive: true))
        } catch let error as SystemError where error.code == EEXIST {
            throw ToolError.requestWaiting(name: request.display)
        }
        try inbox.sync()
    }

    static func state(of record: ImportRecord) -> String {
        if let release = record.releasedAs { return "released as import \(release)" }
        return record.disposition.rawValue
    }
}
