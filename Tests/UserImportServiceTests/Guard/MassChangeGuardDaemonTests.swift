import Foundation
import Testing
import UserImportCore
import UserImportStore

/// The guard through the real daemon and the real admin tool: a 30 %-delete file is held with
/// nothing applied, shown by `status`, released or rejected once by `userimportctl` — also when
/// the daemon is killed (-9) at any step of carrying the decision out.
@Suite(.serialized)
struct MassChangeGuardDaemonTests {
    static let config = "[Import]\nSettleTime=50ms\n"
    /// Import 1 is the directory, import 2 the held feed.
    static let heldID: Int64 = 2

    /// A directory of 100 users and, held, a feed deleting 30 of them; the daemon stopped.
    func heldFeed() throws -> TestStateDirectory {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state, config: Self.config)
        try state.drop("staff.csv", GuardFiles.directory(100))
        try waitFor("the directory", timeout: 20) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == 1
        }
        try state.drop("feed.csv", GuardFiles.feed(deleting: 30, updating: 3))
        try waitFor("the feed held", timeout: 20) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1 AND disposition = 'held'") == 1
        }
        try daemon.waitForLog("import held by the mass-change guard")
        #expect(try daemon.stop() == 0)
        return state
    }

    func ctl(_ arguments: [String], _ state: TestStateDirectory) throws -> BuiltProgram.Result {
        try BuiltProgram.userimportctl.run(arguments + ["--state-dir", state.root])
    }

    @Test func aHeldFileIsShownAndReleasedOnceByTheAdminTool() throws {
        let state = try heldFeed()
        #expect(try state.list("held") == ["feed.csv", "feed.csv.report.txt"])
        #expect(try state.users().values.filter { $0.state == .deleted }.isEmpty, "nothing applied")
        let daemon = try RunningDaemon(state: state, config: Self.config)
        let status = try ctl(["status"], state)
        #expect(status.stdout.contains("Held:        2 feed.csv would delete 30 users"), "\(status.stdout)")
        let history = try ctl(["history", "--disposition", "held"], state)
        #expect(history.stdout.contains("feed.csv"), "\(history.stdout)")

        let release = try ctl(["release", "2"], state)
        #expect(release.status == 0, "\(release.stderr)")
        #expect(release.stdout == "import 2 released as import 3: done\n")
        #expect(try state.users().values.filter { $0.state == .deleted }.count == 30)
        #expect(try state.users().values.filter { $0.profile.firstName.hasPrefix("Renamed") }.count == 3)
        #expect(try state.list("held").isEmpty)
        #expect(try state.list("done").contains("feed.csv.report.txt"))
        #expect(try state.read("done/feed.csv.report.txt").contains("Released:    from import 2"))
        #expect(try ctl(["status"], state).stdout.contains("Held:") == false)

        let again = try ctl(["release", "2"], state)
        #expect(again.status == 1)
        #expect(again.stderr.contains("import 2 is not waiting in held/ (it is released as import 3)"))
        let json = try ctl(["report", "2", "--json"], state)
        #expect(json.stdout.contains("\"released_as\":3"), "\(json.stdout.prefix(600))")
        #expect(json.stdout.contains("\"decided_by\":{\"uid\":\(getuid())"))
        #expect(try daemon.stop() == 0)
    }

    @Test func aHeldFileRejectedGoesToFailedWithNothingApplied() throws {
        let state = try heldFeed()
        let daemon = try RunningDaemon(state: state, config: Self.config)
        let reject = try ctl(["reject", "2"], state)
        #expect(reject.status == 0, "\(reject.stderr)")
        #expect(reject.stdout == "import 2 rejected: failed/feed.csv\n")
        #expect(try state.users().values.filter { $0.state == .deleted }.isEmpty)
        #expect(try state.list("failed") == ["feed.csv", "feed.csv.report.txt"])
        #expect(try state.read("failed/feed.csv.report.txt").contains("rejected by "))
        #expect(try ctl(["release", "2"], state).status == 1)
        #expect(try daemon.stop() == 0)
    }

    @Test func aReleaseOrAnImportIsRefusedForAnImportThatIsNotHeld() throws {
        let state = try heldFeed()
        let refused = try ctl(["release", "1"], state)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("import 1 is not waiting in held/ (it is done)"))
        #expect(try ctl(["reject", "99"], state).stderr.contains("no import with ID 99"))
        #expect(try state.list("inbox").isEmpty, "no request left")
    }

    @Test func aDirectoryBelowMinUsersForPercentIsNotGuarded() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state, config: Self.config)
        try state.drop("staff.csv", GuardFiles.directory(49))
        try waitFor("the directory", timeout: 20) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == 1
        }
        try state.drop("feed.csv", GuardFiles.feed(deleting: 40))
        try waitFor("the feed", timeout: 20) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == 2
        }
        #expect(try state.list("held").isEmpty)
        #expect(try state.users().values.filter { $0.state == .deleted }.count == 40)
        #expect(try daemon.stop() == 0)
    }

    static let steps = ["claimed", "decided", "held-moved", "committed", "report-written", "moved"]

    @Test(arguments: [HeldAction.release, .reject], steps)
    func killedWhileCarryingOutADecisionTheRestartFinishesItOnce(action: HeldAction, step: String) throws {
        let state = try heldFeed()
        let doomed = try RunningDaemon(
            state: state, config: Self.config, environment: ["USERIMPORTD_TEST_KILL_AT": step])
        #expect(try ctl([action.rawValue, "2", "--no-wait"], state).status == 0)
        try doomed.waitForExit()
        #expect(doomed.process.terminationStatus == SIGKILL, "\(doomed.log)")

        let daemon = try RunningDaemon(state: state, config: Self.config)
        let history = try ImportHistory(database: state.database())
        try waitFor("the decision carried out", timeout: 20) {
            guard let held = try ImportHistory(database: state.database()).record(id: Self.heldID) else {
                return false
            }
            // The request itself is gone too (a restart after the move finds it answered).
            guard try state.list("inbox").isEmpty else { return false }
            if let release = held.releasedAs { return try history.isPublished(id: release) }
            guard held.disposition == .failed else { return false }
            return try history.isPublished(id: Self.heldID)
        }
        let deleted = try state.users().values.filter { $0.state == .deleted }.count
        #expect(try state.list("held").isEmpty)
        #expect(try state.list("inbox").isEmpty)
        #expect(try state.list("work").isEmpty)
        #expect(try state.count("SELECT count(*) FROM held_actions") == 0)
        switch action {
        case .release:
            #expect(deleted == 30)
            #expect(try state.count("SELECT count(*) FROM imports") == 3, "one import applied it")
            #expect(try state.count("SELECT count(*) FROM imports WHERE release_of = 2") == 1)
            #expect(
                try state.list("done").filter { $0.hasPrefix("feed") } == ["feed.csv", "feed.csv.report.txt"])
        case .reject:
            #expect(deleted == 0)
            #expect(try state.count("SELECT count(*) FROM imports") == 2)
            #expect(try state.list("failed") == ["feed.csv", "feed.csv.report.txt"])
        }
        #expect(try state.queuedEmails().count == 100, "the directory's invitations, none more")
        #expect(try state.database().integrityCheck() == ["ok"])
        #expect(try daemon.stop() == 0)
        // The claimed request was carried out, not refused after its file was handled alone.
        #expect(!daemon.log.contains("not carried out"), "\(daemon.log)")
    }
}
