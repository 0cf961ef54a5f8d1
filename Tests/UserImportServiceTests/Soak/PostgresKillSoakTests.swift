import Foundation
import PostgresScratch
import SeededRandom
import Testing
import UserImportCore

@testable import UserImportPostgres

/// Several hosts on one PostgreSQL, SIGKILLed at random while files arrive, and the server itself
/// crashed and restarted twice mid-run. Three daemons: one with an inbox of its own, two sharing
/// one inbox (each with a work folder of its own: the rename that wins claims the file); done/,
/// failed/ and held/ shared by all; now and then a daemon stays down past its lease
/// ([Database] TakeoverAfter=1s) and another finishes what it left in its work folder. Checked against the one-host soak's independent model,
/// applied in the order the server committed the imports (their ids): every file imported once,
/// every row's result once, the users and one outbox entry per email as the model says.
@Suite(.serialized)
struct PostgresKillSoakTests {
    static let settings = SoakSettings.current
    static let daemonCount = 3

    /// Daemon 0 watches its own inbox; the others the shared one.
    static func config(daemon: Int, own: TestStateDirectory, shared: TestStateDirectory, url: String)
        -> String
    {
        sharedFoldersConfig(
            inbox: daemon == 0 ? own.paths.inbox : shared.paths.inbox, own: own, shared: shared, url: url,
            extra: "[Guard]\nMaxDeletePercent=100\n[Mail]\nMaxPerMinute=1000000\n")
    }

    @Test func severalDaemonsKilledAtRandomWithTheServerRestartedImportEveryFileOnce() throws {
        let settings = Self.settings
        let began = Date()
        var workload = SoakWorkload(
            seed: settings.seed ^ 0x17, fileCount: settings.files, maxRows: settings.maxRows)
        let files = workload.files()
        // Durable: a crash of the server must not lose what it said was committed.
        let server = try PostgresScratchServer(durable: true)
        let url = try server.database()
        let shared = try TestStateDirectory()
        let owns = try (0..<Self.daemonCount).map { _ in try TestStateDirectory() }
        let daemons = try owns.enumerated().map { index, own in
            try SoakDaemon(
                state: own, config: Self.config(daemon: index, own: own, shared: shared, url: url),
                passesStateDirectory: false)
        }
        let inboxes = [owns[0].paths.inbox, shared.paths.inbox]
        let works = owns.map(\.paths.work)
        var random = SplitMix64(seed: settings.seed ^ 0x5EED17)

        var dropped = 0
        var droppedInto = [0, 0]
        var kills = 0
        var killsMidFile = 0
        var restarts = 0
        var stalled = 0
        var lastPublished = -1
        var downUntil = [Date](repeating: .distantPast, count: Self.daemonCount)
        let restartAfter: Set = [max(1, settings.kills / 3), max(2, 2 * settings.kills / 3)]
        let dropHorizon = max(1, settings.kills / 4)
        let giveUp = Date().addingTimeInterval(settings.full ? 3_600 : 300)
        func published() -> Int { Self.publishedCount(shared) }
        func processed() -> Bool {
            dropped == files.count && (inboxes + works).allSatisfy { Self.entries($0).isEmpty }
                && published() == files.count
        }
        while kills < settings.kills || !processed() {
            guard Date() < giveUp else {
                throw TestFailure(
                    "after \(kills) kills and \(restarts) server restarts, \(published()) of \(dropped) "
                        + "dropped files published (\(files.count) in all)\n"
                        + daemons.map { $0.tail(10) }.joined(separator: "\n--\n"))
            }
            for (index, daemon) in daemons.enumerated() where !daemon.isRunning && Date() >= downUntil[index]
            {
                try daemon.start()
            }
            let due = min(files.count, (kills + 1) * files.count / dropHorizon + 1)
            while dropped < due, Self.canDrop(files[dropped], after: files[..<dropped], in: inboxes + works) {
                let inbox = Int.random(in: 0...1, using: &random)
                try Self.drop(files[dropped], into: inboxes[inbox])
                droppedInto[inbox] += 1
                dropped += 1
            }
            let ceiling = 120 << min(stalled, 8)
            let deadline = Date().addingTimeInterval(
                Double(Int.random(in: 0...ceiling, using: &random)) / 1000)
            let running = daemons.indices.filter { daemons[$0].isRunning }
            while Date() < deadline && running.allSatisfy({ daemons[$0].isRunning }) { usleep(1_000) }
            guard !running.isEmpty else {
                usleep(10_000)
                continue
            }
            let victim = random.pick(running)
            try daemons[victim].kill9()
            kills += 1
            // Now and then a host stays down past its lease (at least once, halfway): another
            // daemon finishes its work.
            if random.chance(0.1) || kills == settings.kills / 2 {
                downUntil[victim] = Date().addingTimeInterval(
                    2.5 + Double.random(in: 0...1.5, using: &random))
            }
            if works.contains(where: { !Self.entries($0).isEmpty }) { killsMidFile += 1 }
            if restartAfter.contains(kills) {
                try server.restart()
                restarts += 1
            }
            let now = published()
            stalled = now < dropped && now == lastPublished ? stalled + 1 : 0
            lastPublished = now
        }
        let killed = Date()

        // A clean run of every daemon finishes what the last kill interrupted and expands every
        // queued email into the outbox.
        for daemon in daemons where !daemon.isRunning { try daemon.startAndWait() }
        let check = try PostgresConnection(url: url)
        let finished: ()? = try? waitFor("every import published, every email in the outbox", timeout: 120) {
            try check.scalar("SELECT count(*) FROM imports WHERE NOT published") == "0"
                && check.scalar("SELECT count(*) FROM imports") == String(files.count)
                && check.scalar("SELECT count(*) FROM outbox_blocks") == "0"
        }
        #expect(finished != nil, "the final run did not publish every import and expand every email")
        let tookOver = daemons.map {
            $0.logText.contains("finishing the work of a daemon whose lease ran out")
        }
        #expect(tookOver.contains(true), "no daemon down past its lease had its work finished by another")
        for daemon in daemons { #expect(try daemon.stop() == 0) }

        let checked = try Self.checkInvariants(check, shared: shared, files: files, daemons: daemons)
        print(
            """
            PostgreSQL kill soak: seed \(settings.seed), \(Self.daemonCount) daemons, \(kills) SIGKILLs \
            (\(killsMidFile) with a file claimed in a work folder), \(restarts) server crashes and restarts \
            (\(checked.retries) imports stopped by them and retried), \(checked.takeovers) work folders of a \
            daemon down past its lease finished by another, \(files.count) files (\(droppedInto[0]) into the \
            own inbox, \(droppedInto[1]) into the shared one), \(checked.rows) rows checked, \
            \(checked.users) users, \(checked.emails) emails; kill loop \
            \(String(format: "%.1f", killed.timeIntervalSince(began))) s, final run + checks \
            \(String(format: "%.1f", Date().timeIntervalSince(killed))) s
            """)
    }

    static func entries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            !$0.hasPrefix(".soak-")
        }
    }

    /// Files (not reports) in the shared done/ and failed/.
    static func publishedCount(_ shared: TestStateDirectory) -> Int {
        (entries(shared.paths.done) + entries(shared.paths.failed)).filter {
            !$0.hasSuffix(".report.txt") && !$0.hasSuffix(".rejected.csv")
        }.count
    }

    /// A name used before waits until the earlier file of that name has left every inbox and
    /// work folder.
    static func canDrop(_ file: SoakFile, after earlier: ArraySlice<SoakFile>, in folders: [String]) -> Bool {
        guard earlier.contains(where: { $0.name == file.name }) else { return true }
        return folders.allSatisfy { !FileManager.default.fileExists(atPath: $0 + "/" + file.name) }
    }

    static func drop(_ file: SoakFile, into inbox: String) throws {
        let temp = inbox + "/.soak-\(file.index).part"
        try Data(file.bytes).write(to: URL(fileURLWithPath: temp))
        guard rename(temp, inbox + "/" + file.name) == 0 else {
            throw TestFailure("cannot drop \(file.name)")
        }
    }

    struct Checked {
        var rows = 0
        var users = 0
        var emails = 0
        var retries = 0
        var takeovers = 0
    }

    static func checkInvariants(
        _ connection: PostgresConnection, shared: TestStateDirectory, files: [SoakFile], daemons: [SoakDaemon]
    ) throws -> Checked {
        // Each import is one generated file, known by its name and bytes (a reused name has other
        // bytes; a copy has another name); equal pairs are taken in turn.
        var unmatched: [String: [Int]] = [:]
        for file in files {
            unmatched[file.name + " " + SHA256.hex(of: file.bytes), default: []].append(file.index)
        }
        let imports = try connection.query(
            """
            SELECT id, file_name, sha256, path, disposition, published, rows_total, created, updated,
                   unchanged, deleted, activated, ignored, rejected
            FROM imports ORDER BY id
            """)
        #expect(imports.count == files.count, "one import per dropped file")
        var model = SoakModel()
        var problems: [String] = []
        var ordered: [(id: Int64, file: SoakFile, path: String, expected: SoakModel.Expected)] = []
        let outcomes = ["created", "updated", "unchanged", "deleted", "activated", "ignored", "rejected"]
        for row in imports {
            let text = row.map { $0 ?? "" }
            let key = text[1] + " " + text[2]
            guard let index = unmatched[key]?.first, let id = Int64(text[0]) else {
                problems.append("import \(text[0]) of \(text[1]) matches no dropped file not yet matched")
                continue
            }
            unmatched[key]?.removeFirst()
            let file = files[index]
            let want = model.apply(file)
            ordered.append((id, file, text[3], want))
            let rows = want.disposition == "done" ? file.rows.count : Int(text[6]) ?? -1
            let got = "\(text[4]) published \(text[5]) rows \(text[6]) \(Array(text[7...13]))"
            let wanted =
                "\(want.disposition) published t rows \(rows) \(outcomes.map { String(want.counts[$0, default: 0]) })"
            if got != wanted {
                problems.append("import \(id) (\(file.name), \(file.kind)): \(got), expected \(wanted)")
            }
        }
        for problem in problems.prefix(5) { Issue.record(Comment(rawValue: problem)) }
        #expect(problems.isEmpty, "\(problems.count) imports differ from the model")
        guard problems.isEmpty, ordered.count == files.count else { return Checked() }

        // Every file in exactly one place in done/ or failed/, byte for byte, its report beside it.
        var expectedEntries: [String: Set<String>] = ["done": [], "failed": []]
        for (_, file, path, want) in ordered {
            let folder = String(path.prefix { $0 != "/" })
            let name = String(path.dropFirst(folder.count + 1))
            expectedEntries[folder, default: []].formUnion([name, name + ".report.txt"])
            if want.counts["rejected", default: 0] + want.counts["ignored", default: 0] > 0 {
                expectedEntries[folder, default: []].insert(name + ".rejected.csv")
            }
            #expect(
                FileManager.default.contents(atPath: shared.root + "/" + path) == Data(file.bytes),
                "\(path) holds what was dropped as \(file.name)")
        }
        #expect(Set(entries(shared.paths.done)) == expectedEntries["done"])
        #expect(Set(entries(shared.paths.failed)) == expectedEntries["failed"])

        // Every row's result once, as the model says, read back as a report reads them.
        var checked = Checked()
        let history = PostgresImportHistory(connection: connection)
        var firstMismatch: String?
        for (id, file, _, want) in ordered {
            let cursor = history.rows(importID: id)
            let got = Array(cursor).map { ($0.line, $0.outcome.rawValue) }
            if let failure = cursor.failure { throw failure }
            checked.rows += got.count
            if firstMismatch == nil,
                got.count != want.rows.count
                    || zip(got, want.rows).contains(where: { $0.0 != $1.line || $0.1 != $1.outcome })
            {
                firstMismatch = "\(file.name): \(got.count) rows recorded, \(want.rows.count) expected"
            }
        }
        #expect(firstMismatch == nil, "\(firstMismatch ?? "")")

        // The users as the model says.
        let users = try connection.query("SELECT \(PostgresUserDirectory.columns) FROM users").map {
            try PostgresUserDirectory.user($0)
        }
        checked.users = users.count
        #expect(users.count == model.users.count)
        var wrongUsers = 0
        for user in users {
            let got = SoakModel.User(
                first: user.profile.firstName, last: user.profile.lastName,
                alternateID: user.profile.alternateID,
                workPhone: user.profile.workPhone, title: user.profile.title,
                department: user.profile.department,
                state: user.state.rawValue)
            if model.users[user.email] != got {
                wrongUsers += 1
                if wrongUsers <= 5 {
                    Issue.record(
                        "user \(user.email): \(got), expected \(String(describing: model.users[user.email]))")
                }
            }
        }
        #expect(wrongUsers == 0)

        // One outbox entry per expected email: no block left, no row twice.
        let outbox = try connection.query("SELECT import_id, line, kind, email FROM outbox").map {
            $0.map { $0 ?? "" }.joined(separator: ":")
        }
        var wanted: [String] = []
        for (id, _, _, want) in ordered {
            wanted += want.emails.map { "\(id):\($0.line):\($0.kind):\($0.email)" }
        }
        checked.emails = outbox.count
        #expect(outbox.count == wanted.count)
        #expect(outbox.sorted() == wanted.sorted())

        // Killed, the server lost: an import stopped by the lost server is retried; nothing else
        // is an error.
        let lines = daemons.flatMap { $0.logText.split(separator: "\n") }
        let errors = lines.filter {
            ($0.hasPrefix("error") || $0.hasPrefix("critical")) && !$0.contains("will retry")
        }
        checked.takeovers =
            lines.filter { $0.contains("finishing the work of a daemon whose lease ran out") }.count
        checked.retries = lines.filter { $0.hasPrefix("error") && $0.contains("will retry") }.count
        #expect(errors.isEmpty, "\(errors.prefix(5).joined(separator: "\n"))")
        return checked
    }
}
