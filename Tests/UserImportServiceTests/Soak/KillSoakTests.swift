import Foundation
import SeededRandom
import Testing
import UserImportCore

/// How long a soak runs: short by default (part of `make test`), long with `USERIMPORT_SOAK=full`
/// (`make soak`). `USERIMPORT_SOAK_SEED`, `_FILES`, `_KILLS` and `_MAX_ROWS` override.
struct SoakSettings {
    let full: Bool
    let seed: UInt64
    let files: Int
    let kills: Int
    let maxRows: Int

    static let current = SoakSettings(environment: ProcessInfo.processInfo.environment)

    init(environment: [String: String]) {
        full = environment["USERIMPORT_SOAK"] == "full"
        seed = environment["USERIMPORT_SOAK_SEED"].flatMap { UInt64($0) } ?? 20_260_101
        files = environment["USERIMPORT_SOAK_FILES"].flatMap { Int($0) } ?? (full ? 200 : 60)
        kills = environment["USERIMPORT_SOAK_KILLS"].flatMap { Int($0) } ?? (full ? 1_000 : 40)
        maxRows = environment["USERIMPORT_SOAK_MAX_ROWS"].flatMap { Int($0) } ?? (full ? 20_000 : 5_000)
    }
}

/// The built daemon started and SIGKILLed over and over on one state directory, every run's
/// stderr appended to one log file.
final class SoakDaemon {
    let state: TestStateDirectory
    let configPath: String
    let logPath: String
    private let log: FileHandle
    private(set) var process: Process?

    private let passesStateDirectory: Bool

    /// `passesStateDirectory: false` leaves every path to the configuration's [Paths] (daemons
    /// sharing some folders).
    init(state: TestStateDirectory, config: String, passesStateDirectory: Bool = true) throws {
        self.state = state
        self.passesStateDirectory = passesStateDirectory
        configPath = state.root + "/soak.conf"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        logPath = state.root + "/daemon.log"
        let fd = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestFailure("cannot create \(logPath)") }
        log = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    deinit {
        guard let process else { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Starts the daemon without waiting for it: a kill may come before it is ready.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProgram.userimportd.path)
        process.arguments =
            (passesStateDirectory ? ["--state-dir", state.root] : []) + ["--config", configPath]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = nil
        environment["JOURNAL_STREAM"] = nil
        process.environment = environment
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    var isRunning: Bool { process?.isRunning ?? false }

    /// Starts the daemon and waits until it says it has started (its signal handlers are set).
    func startAndWait() throws {
        let before = starts
        try start()
        try waitFor("daemon started", timeout: 20) { starts > before || !isRunning }
        guard isRunning else { throw TestFailure("the daemon did not start:\n\(tail())") }
    }

    private var starts: Int { logText.components(separatedBy: "daemon started").count - 1 }

    /// SIGKILL, then the exit; a daemon that had already exited on its own is a defect.
    func kill9() throws {
        guard let process else { return }
        let wasRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        guard wasRunning, process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL
        else {
            throw TestFailure(
                "the daemon exited by itself (status \(process.terminationStatus)):\n\(tail())")
        }
    }

    /// SIGTERM and the exit status.
    func stop() throws -> Int32 {
        guard let process else { return -1 }
        kill(process.processIdentifier, SIGTERM)
        try waitFor("exit after SIGTERM", timeout: 60) { !process.isRunning }
        // Returns at once; it lets Foundation release the Process (LeakSanitizer under `make soak`).
        process.waitUntilExit()
        return process.terminationStatus
    }

    var logText: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func tail(_ lines: Int = 40) -> String {
        logText.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// Issue #8: SIGKILL at random moments while files arrive, restart after each, then check every
/// invariant of the README's "What happens to a file" against an independent model of "The input format", "What happens to a file".
@Suite(.serialized)
struct KillSoakTests {
    static let settings = SoakSettings.current
    /// Mail is delivered (Maildir, unthrottled) while files are imported, so kills also meet the
    /// outbox expanding blocks into rows and recording what was sent. The mass-change guard is off:
    /// the model applies every file, and a held file is a decision away from applied (the guard's
    /// own tests kill the daemon at each step of carrying one out).
    static let config =
        "[Import]\nSettleTime=0ms\n[Guard]\nMaxDeletePercent=100\n[Mail]\nMaxPerMinute=1000000\n"

    @Test func killedAtRandomMomentsEveryFileIsImportedExactlyOnce() throws {
        let settings = Self.settings
        let began = Date()
        var workload = SoakWorkload(seed: settings.seed, fileCount: settings.files, maxRows: settings.maxRows)
        let files = workload.files()
        let generated = Date()
        let state = try TestStateDirectory()
        let daemon = try SoakDaemon(state: state, config: Self.config)
        var random = SplitMix64(seed: settings.seed ^ 0x5EED)

        var dropped = 0
        var kills = 0
        var killsWithWorkWaiting = 0
        var killsMidFile = 0
        var killsAfterCommit = 0
        var stalled = 0
        var lastPublished = -1
        // All files are dropped by a quarter of the kills, so that many kills meet a backlog.
        let dropHorizon = max(1, settings.kills / 4)
        // A daemon that loses or strands a file must fail the soak, not keep it going.
        let giveUp = Date().addingTimeInterval(settings.full ? 3_600 : 300)
        while try kills < settings.kills || !allProcessed(state, dropped: dropped, of: files.count) {
            guard Date() < giveUp else {
                throw TestFailure(
                    "after \(kills) kills, \(try publishedCount(state)) of \(dropped) dropped files published "
                        + "(\(files.count) in all); inbox \(try state.list("inbox").count), work "
                        + "\(((try? state.list("work")) ?? []).count)\n\(daemon.tail())")
            }
            try daemon.start()
            let due = min(files.count, (kills + 1) * files.count / dropHorizon + 1)
            while dropped < due, try canDrop(files[dropped], after: files[..<dropped], state) {
                try drop(files[dropped], into: state)
                dropped += 1
            }
            // A random moment: uniform up to 120 ms, doubled after each kill that finished nothing
            // while work was waiting, so that a large file is eventually given the time it needs.
            let ceiling = 120 << min(stalled, 8)
            let deadline = Date().addingTimeInterval(
                Double(Int.random(in: 0...ceiling, using: &random)) / 1000)
            while Date() < deadline && daemon.isRunning { usleep(1_000) }
            try daemon.kill9()
            kills += 1
            if !((try? state.list("work")) ?? []).isEmpty {
                killsMidFile += 1
                // Committed but not yet in done/ or failed/: the narrow window between commit and publish.
                if let unpublished = try? state.count("SELECT count(*) FROM imports WHERE published = 0"),
                    unpublished > 0
                {
                    killsAfterCommit += 1
                }
            }
            let published = try publishedCount(state)
            let pending = published < dropped
            if pending { killsWithWorkWaiting += 1 }
            stalled = pending && published == lastPublished ? stalled + 1 : 0
            lastPublished = published
        }
        let killed = Date()

        // The final clean run finishes whatever the last kill interrupted.
        // At most one file was in hand: a minute is plenty, and on time-out the checks below say why.
        try daemon.startAndWait()
        let finishedCleanly: ()? = try? waitFor("every import published", timeout: 60) {
            (try? state.count("SELECT count(*) FROM imports WHERE published = 0")) == 0
                && (try? state.count("SELECT count(*) FROM imports")) == Int64(files.count)
        }
        #expect(finishedCleanly != nil, "the final run did not publish every import")
        #expect(try daemon.stop() == 0)

        let checked = try checkInvariants(state, files: files, log: daemon)
        let finished = Date()
        print(
            """
            kill soak: seed \(settings.seed), \(kills) SIGKILLs (\(killsWithWorkWaiting) with work waiting, \
            \(killsMidFile) leaving a file claimed in work/, \(killsAfterCommit) of them after its commit), \
            \(files.count) files \
            (\(Dictionary(grouping: files, by: \.kind).mapValues(\.count).sorted { $0.key < $1.key })), \
            \(checked.rows) rows checked, \(checked.users) users, \(checked.emails) emails \
            (\(checked.rowsInOutbox) expanded into rows, \(checked.sent) sent); \
            generate \(seconds(generated, began)) s, kill loop \(seconds(killed, generated)) s, \
            final run + checks \(seconds(finished, killed)) s
            """)
    }

    /// Every dropped file has left the inbox and the work folder and lies in done/ or failed/.
    func allProcessed(_ state: TestStateDirectory, dropped: Int, of total: Int) throws -> Bool {
        guard dropped == total, try state.list("inbox").isEmpty, try state.list("work").isEmpty else {
            return false
        }
        return try publishedCount(state) == total
    }

    /// Files (not reports) in done/ and failed/: a progress measure that needs no database.
    func publishedCount(_ state: TestStateDirectory) throws -> Int {
        let names = (try? state.list("done")) ?? []
        let failed = (try? state.list("failed")) ?? []
        return (names + failed).filter { !$0.hasSuffix(".report.txt") && !$0.hasSuffix(".rejected.csv") }
            .count
    }

    /// A file reusing a name waits until the earlier file of that name has left inbox and work
    /// (checked in that order, the order a file travels), or the drop would replace it.
    func canDrop(_ file: SoakFile, after earlier: ArraySlice<SoakFile>, _ state: TestStateDirectory) throws
        -> Bool
    {
        guard earlier.contains(where: { $0.name == file.name }) else { return true }
        return !state.exists("inbox/" + file.name) && !state.exists("work/" + file.name)
    }

    /// Temp name, a modification time that orders the files as generated, then rename.
    func drop(_ file: SoakFile, into state: TestStateDirectory) throws {
        let temp = state.paths.inbox + "/.soak-\(file.index).part"
        try Data(file.bytes).write(to: URL(fileURLWithPath: temp))
        var times = [timespec(tv_sec: 1_700_000_000 + file.index, tv_nsec: 0)]
        times.append(times[0])
        guard utimensat(AT_FDCWD, temp, &times, 0) == 0,
            rename(temp, state.paths.inbox + "/" + file.name) == 0
        else { throw TestFailure("cannot drop \(file.name)") }
    }

    struct Checked {
        var rows = 0
        var users = 0
        var emails = 0
        var rowsInOutbox: Int64 = 0
        var sent = 0
    }

    func checkInvariants(_ state: TestStateDirectory, files: [SoakFile], log daemon: SoakDaemon) throws
        -> Checked
    {
        var model = SoakModel()
        let expected = files.map { model.apply($0) }
        let connection = try state.database().connection
        #expect(try connection.texts("PRAGMA integrity_check") == ["ok"])

        // The daemon's history, in the order it imported: oldest first, as the model assumed.
        let imports = try connection.prepare(
            """
            SELECT id, file_name, path, disposition, published, rows_total, created, updated, unchanged,
                   deleted, activated, ignored, rejected
            FROM imports ORDER BY id
            """)
        var ids: [Int64] = []
        var paths: [String] = []
        var problems: [String] = []
        var index = 0
        let outcomes = ["created", "updated", "unchanged", "deleted", "activated", "ignored", "rejected"]
        while try imports.step() {
            defer { index += 1 }
            guard index < files.count else { continue }
            let file = files[index]
            let want = expected[index]
            ids.append(imports.int(0))
            paths.append(imports.text(2))
            let counts = (6...12).map { Int(imports.int(Int32($0))) }
            let got =
                "\(imports.text(1)) \(imports.text(3)) published \(imports.int(4)) rows \(imports.int(5)) \(counts)"
            let rows = want.disposition == "done" ? file.rows.count : Int(imports.int(5))
            let wanted =
                "\(file.name) \(want.disposition) published 1 rows \(rows) "
                + "\(outcomes.map { want.counts[$0, default: 0] })"
            if got != wanted {
                problems.append(
                    "import \(imports.int(0)) (file \(index), \(file.kind)): \(got), expected \(wanted)")
            }
        }
        // The first few are enough: after one import out of place every later one differs too.
        for problem in problems.prefix(5) { Issue.record(Comment(rawValue: problem)) }
        #expect(problems.isEmpty, "\(problems.count) imports differ from the model")
        #expect(index == files.count, "one import per dropped file")
        guard index == files.count else { return Checked() }

        // Every file in exactly one of done/failed, byte for byte, with exactly one report beside it
        // (and the rows to fix when the model has rows not applied); nothing else there (no temp
        // file of ours).
        var expectedEntries: [String: Set<String>] = ["done": [], "failed": []]
        for (offset, (file, path)) in zip(files, paths).enumerated() {
            let folder = String(path.prefix { $0 != "/" })
            let name = String(path.dropFirst(folder.count + 1))
            expectedEntries[folder, default: []].formUnion([name, name + ".report.txt"])
            if expected[offset].counts["rejected", default: 0]
                + expected[offset].counts["ignored", default: 0] > 0
            {
                expectedEntries[folder, default: []].insert(name + ".rejected.csv")
            }
            #expect(
                FileManager.default.contents(atPath: state.root + "/" + path) == Data(file.bytes),
                "\(path) holds what was dropped as \(file.name)")
            #expect(try state.read(path + ".report.txt").contains(file.name), "\(path) report")
        }
        #expect(Set(try state.list("done")) == expectedEntries["done"])
        #expect(Set(try state.list("failed")) == expectedEntries["failed"])
        #expect(try state.list("work").isEmpty)
        #expect(try state.list("inbox").isEmpty)

        // Every row's result recorded exactly once, as the model says (decoded as the report reads
        // them; a chunk that does not decode fails the run).
        let rowsByImport = try state.storedRows().mapValues { rows in
            rows.map { ($0.line, $0.outcome.rawValue) }
        }
        var checked = Checked()
        var firstMismatch: String?
        for (offset, id) in ids.enumerated() {
            let got = rowsByImport[id] ?? []
            let want = expected[offset].rows
            checked.rows += got.count
            let differs = { (pair: ((Int, String), (line: Int, outcome: String))) in
                pair.0.0 != pair.1.line || pair.0.1 != pair.1.outcome
            }
            if firstMismatch == nil, got.count != want.count || zip(got, want).contains(where: differs) {
                let difference = zip(got, want).first(where: differs)
                firstMismatch =
                    "\(files[offset].name): \(got.count) rows recorded, \(want.count) expected; "
                    + "first difference \(String(describing: difference))"
            }
        }
        #expect(firstMismatch == nil, "\(firstMismatch ?? "")")
        #expect(rowsByImport.count == expected.filter { !$0.rows.isEmpty }.count)

        // The users as the model says.
        let users = try state.users()
        checked.users = users.count
        #expect(users.count == model.users.count)
        var wrongUsers = 0
        for (email, want) in model.users {
            let got = users[email].map {
                SoakModel.User(
                    first: $0.profile.firstName, last: $0.profile.lastName,
                    alternateID: $0.profile.alternateID,
                    workPhone: $0.profile.workPhone, title: $0.profile.title,
                    department: $0.profile.department,
                    state: $0.state.rawValue)
            }
            if got != want {
                wrongUsers += 1
                if wrongUsers <= 5 {
                    Issue.record("user \(email): \(String(describing: got)), expected \(want)")
                }
            }
        }
        #expect(wrongUsers == 0)

        // Exactly one queued email per expected invitation or activation, rows and entries still
        // in blocks alike: one email both a row and a block entry would show twice.
        let queued = try state.queuedEmails()
        let outbox = queued.map { "\($0.importID):\($0.line):\($0.kind.rawValue):\($0.email)" }
        checked.rowsInOutbox = try state.count("SELECT count(*) FROM outbox")
        checked.sent = queued.filter { $0.state == .sent }.count
        var wanted: [String] = []
        for (offset, id) in ids.enumerated() {
            wanted += expected[offset].emails.map { "\(id):\($0.line):\($0.kind):\($0.email)" }
        }
        checked.emails = outbox.count
        #expect(outbox.count == wanted.count)
        #expect(outbox.sorted() == wanted.sorted())

        // Killed, never failing: no error of the daemon's own in any run.
        let errors = daemon.logText.split(separator: "\n").filter {
            $0.hasPrefix("error") || $0.hasPrefix("critical")
        }
        #expect(errors.isEmpty, "\(errors.prefix(5).joined(separator: "\n"))")
        return checked
    }

    func seconds(_ end: Date, _ start: Date) -> String {
        String(format: "%.1f", end.timeIntervalSince(start))
    }
}
