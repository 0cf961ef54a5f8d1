import Foundation
import PostgresScratch
import Testing
import UserImportPostgres

/// The daemon with [Database] Backend=postgresql against a real server the tests start: files
/// imported into PostgreSQL, reported and published as on SQLite, invitations delivered from the
/// server's outbox; a server that stops answering makes files wait, never fail.
@Suite(.serialized)
struct PostgresDaemonTests {
    static let header = "Email ID,First Name,Last Name,User Status\n"

    /// A database of its own, its name (for the admin's statements) and the daemon's configuration.
    static func database() throws -> (url: String, name: String, admin: PostgresConnection, config: String) {
        let server = try PostgresScratchServer.forTests.get()
        let url = try server.database()
        let name = try #require(
            url.split(separator: " ").first { $0.hasPrefix("dbname=") }.map { String($0.dropFirst(7)) })
        let config = "[Database]\nBackend=postgresql\nURL=\(url)\n[Import]\nSettleTime=300ms\n"
        return (url, name, try PostgresConnection(url: server.adminURL), config)
    }

    @Test func importsReportsAndInvitesFromTheServerAndWaitsOutAnOutage() throws {
        let (url, name, admin, config) = try Self.database()
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state, config: config)
        let server = try PostgresConnection(url: url)

        try state.drop(
            "people.csv",
            Self.header + "ada@example.com,Ada,Lovelace,New\nalan@example.com,Alan,Turing,New\n"
                + "not-an-email,Bad,Row,New\ngrace@example.com,Grace,Hopper,New\n")
        try waitFor("people.csv in done/", timeout: 30) {
            try state.list("done").contains { $0.hasPrefix("people") && $0.hasSuffix(".report.txt") }
        }
        #expect(try server.scalar("SELECT count(*) FROM users WHERE state = 'invited'") == "3")
        // The file is marked published once its report is in place, just after.
        try waitFor("people.csv published", timeout: 30) {
            try server.scalar("SELECT count(*) FROM imports WHERE published") == "1"
        }
        // The row without a valid email is ignored, as on SQLite.
        let imports = try server.query(
            "SELECT disposition, published, rows_total, created, ignored FROM imports")
        #expect(imports == [["done", "t", "4", "3", "1"]])
        let report = try state.read(
            "done/" + (try state.list("done").first { $0.hasSuffix(".report.txt") } ?? ""))
        #expect(report.contains("not-an-email"))
        // The invitations leave from the server's outbox, once each.
        try waitFor("3 invitations sent", timeout: 30) {
            try server.scalar("SELECT count(*) FROM outbox WHERE state = 'sent'") == "3"
        }
        #expect(try state.list("mail/new").count == 3)
        #expect(!FileManager.default.fileExists(atPath: state.paths.database), "no SQLite store was made")

        // The server stops answering: the connection is cut and no new one is let in.
        try admin.execute("ALTER DATABASE \(name) WITH ALLOW_CONNECTIONS false")
        try admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            [name])
        try state.drop("later.csv", Self.header + "linus@example.com,Linus,Torvalds,New\n")
        try daemon.waitForLog("will retry", timeout: 30)
        #expect(try state.list("failed").isEmpty)
        #expect(try !state.list("done").contains { $0.hasPrefix("later") })

        // Back: the file waiting is imported, once.
        try admin.execute("ALTER DATABASE \(name) WITH ALLOW_CONNECTIONS true")
        try waitFor("later.csv in done/", timeout: 60) {
            try state.list("done").contains { $0.hasPrefix("later") && $0.hasSuffix(".report.txt") }
        }
        let after = try PostgresConnection(url: url)
        #expect(try after.scalar("SELECT count(*) FROM users") == "4")
        #expect(try after.scalar("SELECT count(*) FROM imports WHERE file_name = 'later.csv'") == "1")
        #expect(try state.list("failed").isEmpty)
        try waitFor("4 invitations sent", timeout: 60) {
            try after.scalar("SELECT count(*) FROM outbox WHERE state = 'sent'") == "4"
        }

        // An undo on the server: the first file's three users go; the fourth stays.
        try state.drop("undo-1.request", "")
        try waitFor("the undo reported in done/", timeout: 30) {
            try state.list("done").contains { $0.hasPrefix("undo-1") && $0.hasSuffix(".report.txt") }
        }
        #expect(try after.scalar("SELECT count(*) FROM users") == "1")
        #expect(try after.scalar("SELECT undo_of FROM imports WHERE file_name = 'undo-1.request'") == "1")
        #expect(try daemon.stop() == 0)
    }

    /// Two daemons, each with its own inbox, on one database: files dropped into both at once are
    /// imported once each, one after the other (ids from one sequence), and each new user is invited
    /// once, by whichever daemon took the email.
    @Test func twoDaemonsOnOneDatabaseImportEachFileOnceAndInviteEachUserOnce() throws {
        let (url, _, _, config) = try Self.database()
        let first = try TestStateDirectory()
        let second = try TestStateDirectory()
        let daemons = [
            try RunningDaemon(state: first, config: config), try RunningDaemon(state: second, config: config),
        ]
        let files = 12
        for index in 0..<files {
            // Each file overlaps the one before: its first five users may exist already.
            var text = Self.header
            for user in (index * 5)..<(index * 5 + 10) {
                text += "u\(user)@example.com,First\(user),Last\(user),New\n"
            }
            try (index % 2 == 0 ? first : second).drop("feed-\(index).csv", text)
        }
        func reports() throws -> Int {
            try (first.list("done") + second.list("done")).filter { $0.hasSuffix(".report.txt") }.count
        }
        try waitFor("every file reported", timeout: 120) { try reports() == files }
        let server = try PostgresConnection(url: url)
        #expect(
            try server.query("SELECT min(id), max(id), count(DISTINCT id) FROM imports") == [
                ["1", "12", "12"]
            ])
        #expect(
            try server.scalar("SELECT count(*) FROM imports WHERE disposition = 'done' AND published") == "12"
        )
        let users = files * 5 + 5
        #expect(try server.scalar("SELECT count(*) FROM users") == "\(users)")
        #expect(try server.scalar("SELECT sum(created) FROM imports") == "\(users)")
        try waitFor("every invitation sent", timeout: 120) {
            try server.scalar("SELECT count(*) FROM outbox WHERE state = 'sent'") == "\(users)"
        }
        #expect(try server.scalar("SELECT count(DISTINCT email) FROM outbox") == "\(users)")
        let mail = try first.list("mail/new") + second.list("mail/new")
        #expect(mail.count == users)
        #expect(Set(mail).count == users, "an email was sent by both daemons")
        #expect(try first.list("failed").isEmpty && second.list("failed").isEmpty)
        for daemon in daemons { #expect(try daemon.stop() == 0) }
    }

    /// Two daemons sharing an inbox, done/ and failed/, each with a work folder of its own beside
    /// them ([Database] TakeoverAfter set): one dies holding a file (claimed, or committed and not
    /// yet moved to done/) and never comes back; once its lease has run out the other finishes the
    /// file, once: imported if it was only claimed, published as committed if it was committed.
    @Test(arguments: ["claimed", "committed"])
    func aDeadDaemonsFileIsFinishedByTheOther(killedAt step: String) throws {
        let (url, _, _, _) = try Self.database()
        let shared = try TestStateDirectory()
        let first = try TestStateDirectory()
        let second = try TestStateDirectory()
        func config(_ own: TestStateDirectory) -> String {
            sharedFoldersConfig(inbox: shared.paths.inbox, own: own, shared: shared, url: url)
        }
        let dying = try RunningDaemon(
            state: first, config: config(first), environment: ["USERIMPORTD_TEST_KILL_AT": step],
            stateDirOption: false)
        try shared.drop("people.csv", Self.header + "ada@example.com,Ada,Lovelace,New\n")
        try dying.waitForExit()
        #expect(try first.list("work") == ["people.csv"], "the dead daemon holds the file")
        let server = try PostgresConnection(url: url)
        #expect(try server.scalar("SELECT count(*) FROM imports") == (step == "committed" ? "1" : "0"))

        let survivor = try RunningDaemon(state: second, config: config(second), stateDirOption: false)
        try waitFor("people.csv in done/ with its report", timeout: 30) {
            try shared.list("done").contains { $0.hasPrefix("people") && $0.hasSuffix(".report.txt") }
        }
        try waitFor("the import published", timeout: 30) {
            try server.scalar("SELECT count(*) FROM imports WHERE published") == "1"
        }
        #expect(try server.scalar("SELECT count(*) FROM imports") == "1", "imported once")
        #expect(try server.scalar("SELECT count(*) FROM users WHERE state = 'invited'") == "1")
        #expect(try first.list("work").isEmpty)
        #expect(try shared.list("failed").isEmpty)
        #expect(survivor.log.contains("finishing the work of a daemon whose lease ran out"))
        // The folder's lease is given back: its daemon, started again, works at once.
        #expect(
            try server.scalar("SELECT count(*) FROM file_claims WHERE file_key LIKE '%\(first.root)%'") == "0"
        )
        #expect(try survivor.stop() == 0)
    }

    /// A daemon stopped (SIGSTOP: a frozen VM, a host that stops answering) between its commit and
    /// its publishing, or with its report written and its file not yet moved, for longer than its
    /// lease: the other daemon takes the folder over and publishes the import. When the first
    /// resumes, its lease fences it: it renames and records nothing, so done/ holds the file and
    /// its report once, at the path the history says; it then holds its folder again and imports
    /// the next file as usual.
    @Test(arguments: ["committed", "report-written"])
    func aDaemonResumedAfterItsLeaseRanOutLeavesThePublishingToTheOther(pausedAt step: String) throws {
        let (url, _, _, _) = try Self.database()
        let shared = try TestStateDirectory()
        let first = try TestStateDirectory()
        let second = try TestStateDirectory()
        // Each its own inbox, so the file after the pause is the first daemon's.
        func config(_ own: TestStateDirectory) -> String {
            sharedFoldersConfig(inbox: own.paths.inbox, own: own, shared: shared, url: url)
        }
        let token = first.root + "/pause-token"
        try "".write(toFile: token, atomically: true, encoding: .utf8)
        let frozen = try RunningDaemon(
            state: first, config: config(first),
            environment: ["USERIMPORTD_TEST_PAUSE_AT": step, "USERIMPORTD_TEST_PAUSE_TOKEN": token],
            stateDirOption: false)
        defer { kill(frozen.pid, SIGCONT) }
        try first.drop("people.csv", Self.header + "ada@example.com,Ada,Lovelace,New\n")
        let server = try PostgresConnection(url: url)
        try waitFor("people.csv committed and the daemon paused", timeout: 30) {
            try !FileManager.default.fileExists(atPath: token)
                && server.scalar("SELECT count(*) FROM imports") == "1"
        }
        #expect(kill(frozen.pid, SIGSTOP) == 0)
        #expect(try first.list("work") == ["people.csv"])

        let other = try RunningDaemon(state: second, config: config(second), stateDirOption: false)
        try waitFor("people.csv published by the other daemon", timeout: 30) {
            try server.scalar("SELECT count(*) FROM imports WHERE published") == "1"
        }
        #expect(other.log.contains("finishing the work of a daemon whose lease ran out"))
        let published = try shared.list("done").sorted()

        // Resumed past the point where it paused: it publishes nothing.
        try "".write(toFile: token + ".resume", atomically: true, encoding: .utf8)
        #expect(kill(frozen.pid, SIGCONT) == 0)
        try frozen.waitForLog("ran out and may be taken over", timeout: 30)
        // Its folder held again, the next file it takes is imported as usual.
        try first.drop("later.csv", Self.header + "alan@example.com,Alan,Turing,New\n")
        try waitFor("later.csv published", timeout: 60) {
            try server.scalar("SELECT count(*) FROM imports WHERE published") == "2"
        }
        let done = try shared.list("done")
        #expect(done.filter { $0.hasPrefix("people") }.sorted() == published)
        #expect(published.count == 2, "the file and its report, once: \(published)")
        for path in try server.query("SELECT path FROM imports WHERE file_name = 'people.csv'") {
            let name = try #require(path.first.flatMap { $0 }).split(separator: "/").last.map(String.init)
            #expect(published.contains(name ?? ""), "the history's path is the published file")
        }
        #expect(try server.scalar("SELECT count(*) FROM users") == "2")
        #expect(try shared.list("failed").isEmpty)
        #expect(try first.list("work").isEmpty)
        #expect(try frozen.stop() == 0)
        #expect(try other.stop() == 0)
    }

    /// Two daemons sharing held/: the first is stopped with a held file's report renamed into
    /// held/ and the file not yet; the second, starting meanwhile, finishes its own work and looks
    /// for reports a crash left without their file. The one on its way is not taken for one: the
    /// held file arrives with its report.
    @Test func aHeldFilesReportOnItsWayIsNotTakenForAnOrphan() throws {
        let (url, _, _, _) = try Self.database()
        let shared = try TestStateDirectory()
        let first = try TestStateDirectory()
        let second = try TestStateDirectory()
        func config(_ own: TestStateDirectory) -> String {
            sharedFoldersConfig(
                inbox: own.paths.inbox, own: own, shared: shared, url: url,
                extra: "[Guard]\nMaxDeleteRows=1\n[Mail]\nTransport=none\n")
        }
        let token = first.root + "/pause-token"
        let holding = try RunningDaemon(
            state: first, config: config(first),
            environment: [
                "USERIMPORTD_TEST_PAUSE_AT": "report-written", "USERIMPORTD_TEST_PAUSE_TOKEN": token,
            ],
            stateDirOption: false)
        try first.drop(
            "setup.csv",
            Self.header + "a@example.com,A,A,New\nb@example.com,B,B,New\nc@example.com,C,C,New\n")
        try waitFor("setup.csv in done/", timeout: 30) { try shared.list("done").contains("setup.csv") }
        // Paused from now on at the next report: the purge's, in held/.
        try "".write(toFile: token, atomically: true, encoding: .utf8)
        try first.drop(
            "purge.csv",
            Self.header + "a@example.com,,,Delete\nb@example.com,,,Delete\nc@example.com,,,Delete\n")
        try waitFor("the purge's report in held/, its file not yet", timeout: 30) {
            try !FileManager.default.fileExists(atPath: token)
                && shared.list("held").contains { $0.hasSuffix(".report.txt") }
        }
        #expect(try !shared.list("held").contains("purge.csv"))

        // The second daemon's start finishes its own work first, then imports what it is given.
        let other = try RunningDaemon(state: second, config: config(second), stateDirOption: false)
        try second.drop("probe.csv", Self.header + "d@example.com,D,D,New\n")
        try waitFor("probe.csv in done/", timeout: 30) { try shared.list("done").contains("probe.csv") }
        #expect(try shared.list("held").contains("purge.csv.report.txt"))

        try "".write(toFile: token + ".resume", atomically: true, encoding: .utf8)
        let server = try PostgresConnection(url: url)
        try waitFor("the purge published into held/", timeout: 30) {
            try server.scalar("SELECT count(*) FROM imports WHERE disposition = 'held' AND published") == "1"
        }
        #expect(try shared.list("held").sorted() == ["purge.csv", "purge.csv.report.txt"])
        #expect(try holding.stop() == 0)
        #expect(try other.stop() == 0)
    }

    /// Two daemons on one shared inbox and held/: a release request is carried out by the one that
    /// claims it, and a second request on the same import, while the first daemon is between
    /// recording the decision and moving the held file, is refused by the other daemon: it neither
    /// moves the file nor clears the first daemon's decision, and the import is released once.
    @Test func aSecondReleaseOnAnotherDaemonLeavesTheFirstToCarryItOut() throws {
        let (url, _, _, _) = try Self.database()
        let shared = try TestStateDirectory()
        let first = try TestStateDirectory()
        let second = try TestStateDirectory()
        func config(_ own: TestStateDirectory) -> String {
            sharedFoldersConfig(
                inbox: shared.paths.inbox, own: own, shared: shared, url: url,
                extra: "[Guard]\nMaxDeleteRows=1\n[Mail]\nTransport=none\n")
        }
        let token = first.root + "/pause-token"
        let deciding = try RunningDaemon(
            state: first, config: config(first),
            environment: ["USERIMPORTD_TEST_PAUSE_AT": "decided", "USERIMPORTD_TEST_PAUSE_TOKEN": token],
            stateDirOption: false)
        try shared.drop(
            "setup.csv",
            Self.header + "a@example.com,A,A,New\nb@example.com,B,B,New\nc@example.com,C,C,New\n")
        try waitFor("setup.csv in done/", timeout: 30) { try shared.list("done").contains("setup.csv") }
        try shared.drop(
            "purge.csv",
            Self.header + "a@example.com,,,Delete\nb@example.com,,,Delete\nc@example.com,,,Delete\n")
        let server = try PostgresConnection(url: url)
        try waitFor("the purge held", timeout: 30) {
            try shared.list("held").contains("purge.csv")
                && server.scalar("SELECT count(*) FROM imports WHERE disposition = 'held' AND published")
                    == "1"
        }
        let heldID = try #require(try server.scalar("SELECT id FROM imports WHERE disposition = 'held'"))

        // The first daemon claims the request and stops with the decision recorded.
        try "".write(toFile: token, atomically: true, encoding: .utf8)
        try shared.drop("release-\(heldID).request", "")
        try waitFor("the release decided, its file not moved yet", timeout: 30) {
            !FileManager.default.fileExists(atPath: token)
        }
        #expect(try shared.list("inbox").isEmpty, "claimed, out of the shared inbox")
        #expect(try first.list("work") == ["release-\(heldID).request"])

        // The second daemon gets a second request on the same import.
        let other = try RunningDaemon(state: second, config: config(second), stateDirOption: false)
        try shared.drop("release-\(heldID).request", "")
        try other.waitForLog("it is being released by another daemon", timeout: 30)
        try waitFor("the second request removed", timeout: 30) { try shared.list("inbox").isEmpty }
        #expect(try shared.list("held").sorted() == ["purge.csv", "purge.csv.report.txt"])
        #expect(try second.list("work").isEmpty)

        try "".write(toFile: token + ".resume", atomically: true, encoding: .utf8)
        try waitFor("the release published", timeout: 30) {
            try server.scalar("SELECT count(*) FROM imports WHERE release_of = $1 AND published", [heldID])
                == "1"
        }
        #expect(
            try server.scalar("SELECT released_as IS NOT NULL FROM imports WHERE id = $1", [heldID]) == "t")
        #expect(try server.scalar("SELECT count(*) FROM imports WHERE disposition = 'held'") == "1")
        #expect(try server.scalar("SELECT count(*) FROM held_actions") == "0")
        #expect(try server.scalar("SELECT count(*) FROM users WHERE state = 'deleted'") == "3")
        #expect(try shared.list("held").isEmpty)
        #expect(
            try shared.list("done").filter { $0.hasPrefix("purge") } == ["purge.csv", "purge.csv.report.txt"])
        #expect(other.log.components(separatedBy: "not carried out").count == 2, "one request refused")
        #expect(try deciding.stop() == 0)
        #expect(try other.stop() == 0)
        #expect(try first.list("work").isEmpty)
    }

    /// Two daemons on one database: the first is sending an import's invitations (its sendmail
    /// held open after handing the first message over), the second is asked to undo that import.
    /// The undo waits on the row of the email being sent, commits once that send ends, and every
    /// invitation the first daemon had in hand but not yet sent is then skipped: the mail server
    /// gets the one email, the outbox says it sent, the others cancelled.
    @Test func anUndoOnAnotherHostWaitsForTheSendInProgressAndCancelsTheRest() throws {
        let (url, _, _, config) = try Self.database()
        let first = try TestStateDirectory()
        let second = try TestStateDirectory()
        let sink = try SMTPSink(folder: first.root + "/received")
        let gate = first.root + "/send-gate"
        // Polled by the sendmail the daemon runs, not by the test: it holds the send open.
        let sendmail = try SMTPSink.sendmailWrapper(
            in: first.root, port: sink.port, afterwards: "while [ ! -e \(gate) ]; do sleep 0.02; done")
        let sender = try RunningDaemon(
            state: first,
            config: config + "[Mail]\nTransport=sendmail\nSendmail=\(sendmail)\nFrom=hr@example.com\n")
        let undoer = try RunningDaemon(state: second, config: config + "[Mail]\nTransport=none\n")
        defer { try? "".write(toFile: gate, atomically: true, encoding: .utf8) }

        let users = 20
        var text = Self.header
        for user in 0..<users { text += "u\(user)@example.com,First\(user),Last\(user),New\n" }
        try first.drop("people.csv", text)
        try waitFor("the first invitation handed to the mail server", timeout: 30) {
            try sink.messages().count == 1
        }
        let server = try PostgresConnection(url: url)
        try second.drop("undo-1.request", "")
        try waitFor("the undo waiting on the email being sent", timeout: 30) {
            try server.scalar(
                """
                SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                    AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%cancelled%'
                """) == "1"
        }
        #expect(try server.scalar("SELECT count(*) FROM imports WHERE undo_of = 1") == "0")

        try "".write(toFile: gate, atomically: true, encoding: .utf8)
        try waitFor("the undo reported in done/", timeout: 30) {
            try second.list("done").contains { $0.hasPrefix("undo-1") && $0.hasSuffix(".report.txt") }
        }
        try waitFor("the email sent recorded", timeout: 30) {
            try server.scalar("SELECT count(*) FROM outbox WHERE state = 'sent'") == "1"
        }
        #expect(try server.scalar("SELECT count(*) FROM outbox WHERE state = 'cancelled'") == "\(users - 1)")
        #expect(try server.scalar("SELECT count(*) FROM users") == "0")
        // Its batch's line is logged once every email it had in hand was sent or skipped.
        try sender.waitForLog("emails delivered", timeout: 30)
        #expect(try sink.messages().count == 1, "an invitation the undo cancelled was sent")
        #expect(try sender.stop() == 0)
        #expect(try undoer.stop() == 0)
    }

    /// An import by a daemon that dies before it indexes it (or by a daemon of an older build,
    /// which does not index for `users --search`) is indexed by another daemon that sits idle:
    /// on a shared server an idle daemon looks for rows to index at each rescan, not only after
    /// an import of its own.
    @Test func anIdleDaemonIndexesTheImportOfOneThatDiedBeforeIndexingIt() throws {
        let (url, _, _, _) = try Self.database()
        let config =
            "[Database]\nBackend=postgresql\nURL=\(url)\n[Import]\nSettleTime=0ms\nRescanInterval=1s\n"
        let idle = try TestStateDirectory()
        let dying = try TestStateDirectory()
        let server = try PostgresConnection(url: url)
        let indexed = "lineage_indexed_at IS NOT NULL AND search_indexed_at IS NOT NULL"
        let survivor = try RunningDaemon(state: idle, config: config + "[Mail]\nTransport=none\n")
        try idle.drop("own.csv", Self.header + "ada@example.com,Ada,Lovelace,New\n")
        // Its own import indexed, the idle daemon's next step finds nothing left to index.
        try waitFor("its own import indexed", timeout: 30) {
            try server.scalar("SELECT count(*) FROM imports WHERE file_name = 'own.csv' AND \(indexed)")
                == "1"
        }

        let killed = try RunningDaemon(
            state: dying, config: config + "[Mail]\nTransport=none\n",
            environment: ["USERIMPORTD_TEST_KILL_AT": "moved"])
        try dying.drop("theirs.csv", Self.header + "alan@example.com,Alan,Turing,New\n")
        try killed.waitForExit()
        #expect(try server.scalar("SELECT count(*) FROM imports WHERE file_name = 'theirs.csv'") == "1")
        try waitFor("the dead daemon's import indexed by the idle one", timeout: 30) {
            try server.scalar("SELECT count(*) FROM imports WHERE file_name = 'theirs.csv' AND \(indexed)")
                == "1"
        }
        #expect(try survivor.stop() == 0)
    }

    /// userimportctl reads the server as it reads the file: the same files imported by a daemon
    /// on each backend give the same users, export, report rows and lineage, and a history of the
    /// same imports.
    @Test func theAdminToolReadsTheServerAsItReadsTheFile() throws {
        let (url, _, _, serverOnly) = try Self.database()
        // Nothing sent: the outbox lists the same pending emails on both.
        let config = serverOnly + "[Mail]\nTransport=none\n"
        let onServer = try TestStateDirectory()
        let onFile = try TestStateDirectory()
        let files = [
            (
                "first.csv",
                Self.header + "ada@example.com,Ada,Lovelace,New\nalan@example.com,Alan,Turing,New\n"
                    + "bad-address,Bad,Row,New\nGrace@Example.com,Grace,Hopper,New\n"
            ),
            (
                "second.csv",
                Self.header + "ada@example.com,Ada,King,Update\nalan@example.com,,,Delete\n"
                    + "linus@example.com,Linus,Torvalds,Suspend\nzoë@example.com,Zoë,Ünal,New\n"
            ),
        ]
        let serverDaemon = try RunningDaemon(state: onServer, config: config)
        let fileDaemon = try RunningDaemon(
            state: onFile, config: "[Import]\nSettleTime=300ms\n[Mail]\nTransport=none\n")
        // Then the second undone (its users back as the first left them) and the first (its
        // users gone, but those a later import changed are kept).
        let serverConfig = onServer.root + "/ctl.conf"
        try config.write(toFile: serverConfig, atomically: true, encoding: .utf8)
        func both(_ arguments: [String]) throws -> (server: String, file: String) {
            let server = try BuiltProgram.userimportctl.run(
                ["--state-dir", onServer.root, "--config", serverConfig] + arguments)
            let file = try BuiltProgram.userimportctl.run(["--state-dir", onFile.root] + arguments)
            #expect(server.status == 0, "\(arguments): \(server.stderr)")
            #expect(file.status == 0, "\(arguments): \(file.stderr)")
            return (server.stdout, file.stdout)
        }
        var plans: [(String, String)] = []
        let drops = files + [("undo-2.request", ""), ("undo-1.request", "")]
        for (index, (name, text)) in drops.enumerated() {
            // What the undo will do, planned by the tool before the daemon does it.
            if name.hasPrefix("undo-") {
                plans.append(try both(["undo", String(name.dropFirst(5).prefix { $0 != "." }), "--dry-run"]))
            }
            for state in [onServer, onFile] { try state.drop(name, text) }
            for state in [onServer, onFile] {
                try waitFor("\(name) reported", timeout: 30) {
                    try state.list("done").filter { $0.hasSuffix(".report.txt") }.count == index + 1
                }
            }
        }
        // Idle, the daemon adds `user EMAIL`'s keys and the search's entries on the server as in
        // the file: the indexable searches below ("HOPP", "example") are then answered from the
        // trigram index, the others by reading the directory, all as on the file.
        let server = try PostgresConnection(url: url)
        try waitFor("every import's lineage and search indexed", timeout: 30) {
            try server.scalar(
                "SELECT count(*) FROM imports WHERE lineage_indexed_at IS NULL OR search_indexed_at IS NULL")
                == "0"
        }
        #expect(try server.scalar("SELECT count(*) > 0 FROM lineage_keys") == "t")
        #expect(
            try server.scalar(
                "SELECT count(*) FROM users WHERE email NOT IN (SELECT email FROM user_search)") == "0")
        #expect(try serverDaemon.stop() == 0)
        #expect(try fileDaemon.stop() == 0)
        for arguments in [
            ["users", "--json"], ["users"], ["users", "--state", "deleted"], ["users", "--search", "ZO"],
            ["users", "--search", "HOPP"], ["users", "--search", "ünal"],
            ["users", "--search", "example", "--limit", "2", "--offset", "1"], ["export"],
            ["export", "--state", "deleted", "--delimiter", "tab"], ["report", "2", "--only", "rejected"],
            ["report", "1", "--json", "--offset", "1", "--limit", "2"],
            ["history", "--json", "--file", "second.csv"], ["history", "--disposition", "failed"],
            ["outbox", "--json"], ["outbox", "--state", "pending", "--offset", "1", "--limit", "1"],
            ["report", "--file", "first.csv"], ["report", "3"], ["report", "4", "--json"],
            ["users", "--json", "--state", "deleted", "--state", "invited", "--state", "active"],
            ["user", "alan@example.com"],
        ] {
            let (server, file) = try both(arguments)
            // The times differ (the two daemons imported seconds apart): compared without them.
            func timeless(_ text: String) -> String {
                text.replacing(/"(received_at|started_at|finished_at|decided_at)" *: *"[^"]*"/, with: "")
                    .replacing(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?Z?/, with: "TIME")
                    .replacing(/\d+(\.\d+)? ?(ms|s)\b/, with: "DURATION")
            }
            #expect(timeless(server) == timeless(file), "userimportctl \(arguments.joined(separator: " "))")
            #expect(!server.isEmpty)
        }
        #expect(plans.count == 2)
        for (server, file) in plans {
            #expect(server.contains("kept") || server.contains("deleted"), "\(server)")
            #expect(
                server.replacing(/\d{4}-\d\d-\d\dT?[ \d:.]*Z?/, with: "TIME")
                    == file.replacing(/\d{4}-\d\d-\d\dT?[ \d:.]*Z?/, with: "TIME"))
        }
        // A dry run on each: the same rows against the same directory, and nothing written.
        let check = onFile.root + "/check.csv"
        try
            (Self.header + "ada@example.com,Ada,Byron,Update\nnew@example.com,New,Person,New\n"
            + "grace@example.com,,,Activate\nnot-an-email,X,Y,New\n").write(
                toFile: check, atomically: true, encoding: .utf8)
        for arguments in [["validate", check], ["validate", check, "--json"]] {
            let (server, file) = try both(arguments)
            #expect(server.contains("new@example.com"))
            #expect(
                server.replacing(/\d{4}-\d\d-\d\dT?[ \d:.]*Z?/, with: "TIME")
                    == file.replacing(/\d{4}-\d\d-\d\dT?[ \d:.]*Z?/, with: "TIME"))
        }
        let (serverUsers, _) = try both(["users", "--json"])
        #expect(!serverUsers.contains("new@example.com") && !serverUsers.contains("Byron"))
        // status: the daemon is stopped (exit 1), the store read as the file's.
        let status = try BuiltProgram.userimportctl.run(
            ["--state-dir", onServer.root, "--config", serverConfig, "status", "--json"])
        #expect(status.status == 1)
        #expect(status.stdout.contains("\"database_readable\":true"), "\(status.stdout) \(status.stderr)")
        #expect(status.stdout.contains("\"outbox_pending\":2"))
        #expect(status.stdout.contains("\"database\":\"PostgreSQL host="))
        let (serverUser, fileUser) = try both(["user", "ada@example.com", "--json"])
        #expect(serverUser.contains("Lovelace") && serverUser.contains("undo-2.request"))
        #expect(
            serverUser.replacing(/"received_at" *: *"[^"]*"/, with: "")
                == fileUser.replacing(/"received_at" *: *"[^"]*"/, with: ""))
    }

    /// A server at another schema version (the daemons not yet restarted on a new build, or
    /// one newer than this tool) is refused with what to do, not read with missing tables.
    @Test(arguments: [-1, 1])
    func theAdminToolRefusesAServerAtAnotherSchemaVersion(offset: Int) throws {
        let (url, _, _, config) = try Self.database()
        let connection = try PostgresConnection(url: url)
        try PostgresSchema.migrate(connection)
        let state = try TestStateDirectory()
        let path = state.root + "/ctl.conf"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let arguments = ["--state-dir", state.root, "--config", path, "users", "--search", "ada"]
        #expect(try BuiltProgram.userimportctl.run(arguments).status == 0)
        let version = PostgresSchema.currentVersion + offset
        try connection.query("UPDATE userimport_schema SET version = $1", [String(version)])
        let run = try BuiltProgram.userimportctl.run(arguments)
        #expect(run.status != 0)
        let what =
            offset < 0
            ? "userimportd of this version migrates it when it starts"
            : "use the userimportctl of the userimportd"
        #expect(
            run.stderr.contains(
                "schema version \(version), this userimportctl expects \(PostgresSchema.currentVersion): \(what)"
            ),
            "\(run.stderr)")
        // `submit` does not take an unreadable server for one without imports.
        try "Email ID,First Name,Last Name,User Status\n".write(
            toFile: state.root + "/x.csv", atomically: true, encoding: .utf8)
        let submit = try BuiltProgram.userimportctl.run(
            ["--state-dir", state.root, "--config", path, "submit", "--json", state.root + "/x.csv"])
        #expect(
            submit.status != 0 && submit.stderr.contains("schema version"),
            "\(submit.stdout) \(submit.stderr)")
    }

    @Test func aConfigurationWithAPasswordIsRefused() throws {
        let state = try TestStateDirectory()
        let path = state.root + "/password.conf"
        try "[Database]\nBackend=postgresql\nURL=host=/tmp dbname=x password=secret\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let run = try BuiltProgram.userimportd.run(["--state-dir", state.root, "--config", path, "--once"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("password must not be in the configuration"))
    }

    @Test func aServerThatRefusesStopsTheDaemonAtStart() throws {
        let server = try PostgresScratchServer.forTests.get()
        let state = try TestStateDirectory()
        let path = state.root + "/missing.conf"
        try
            "[Database]\nBackend=postgresql\nURL=host=\(server.directory) dbname=no_such_database user=userimport\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let run = try BuiltProgram.userimportd.run(["--state-dir", state.root, "--config", path, "--once"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no_such_database"))
    }
}
