import Foundation
import Testing
import UserImportCore
import UserImportService
import UserImportStore

/// The guard in the pipeline: a file deleting too much is held in held/ with nothing applied, and
/// a request file (`release-ID.request`, `reject-ID.request`) carries out a person's decision once.
struct MassChangeGuardPipelineTests {
    @Test func aFileDeletingThirtyPercentIsHeldWithNothingApplied() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("staff.csv", GuardFiles.directory(100))
        try pipeline.processInbox()
        let before = try state.users()
        let emailsBefore = try state.queuedEmails().count

        try state.drop("feed.csv", GuardFiles.feed(deleting: 30, updating: 5))
        let records = try pipeline.processInbox()
        let record = try #require(records.first)
        #expect(record.disposition == .held)
        #expect(try state.users() == before, "nothing applied")
        #expect(try state.queuedEmails().count == emailsBefore)
        #expect(try state.list("held") == ["feed.csv", "feed.csv.report.txt"])
        let report = try state.read("held/feed.csv.report.txt")
        #expect(
            report.contains(
                "held by the mass-change guard: the file would delete 30 of the 100 users that exist (30 %)"))
        #expect(report.contains("more than MaxDeletePercent=20 allows"))
        #expect(report.contains("userimportctl release \(record.id)"))
        #expect(report.contains("Counts (nothing was applied; what the rows would have done)"))
        #expect(report.contains("2\t\(GuardFiles.email(0))\tDelete\tdeleted\t"))
        #expect(record.summary.counts.deleted == 30 && record.summary.counts.updated == 5)
        #expect(try HeldImports(database: state.database()).waiting().map(\.id) == [record.id])
    }

    @Test(arguments: [(20, false), (21, true)])
    func theLimitIsMoreThanTheShare(deleting: Int, held: Bool) throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("staff.csv", GuardFiles.directory(100))
        try pipeline.processInbox()
        try state.drop("feed.csv", GuardFiles.feed(deleting: deleting))
        let record = try #require(try pipeline.processInbox().first)
        #expect(record.disposition == (held ? .held : .done))
    }

    @Test func aDirectoryBelowMinUsersForPercentIsNotGuarded() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("staff.csv", GuardFiles.directory(49))
        try pipeline.processInbox()
        try state.drop("feed.csv", GuardFiles.feed(deleting: 40))
        let record = try #require(try pipeline.processInbox().first)
        #expect(record.disposition == .done)
        #expect(try state.users().values.filter { $0.state == .deleted }.count == 40)
    }

    @Test func maxDeleteRowsHoldsWhateverTheDirectorysSize() throws {
        let state = try TestStateDirectory()
        let options = ImportOptions(massChange: MassChangeGuard(maxDeleteRows: 3))
        let pipeline = try state.pipeline(options: options)
        try state.drop("staff.csv", GuardFiles.directory(10))
        try pipeline.processInbox()
        try state.drop("four.csv", GuardFiles.feed(deleting: 4))
        let record = try #require(try pipeline.processInbox().first)
        #expect(record.disposition == .held)
        #expect(record.error?.contains("more than MaxDeleteRows=3 allows") == true)
        try state.drop("three.csv", GuardFiles.feed(deleting: 3))
        #expect(try pipeline.processInbox().first?.disposition == .done)
    }

    @Test func aReleaseImportsTheHeldFileOnceAgainstTheDirectoryAsItIsThen() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("staff.csv", GuardFiles.directory(100))
        try pipeline.processInbox()
        try state.drop("feed.csv", GuardFiles.feed(deleting: 30, updating: 2))
        let held = try #require(try pipeline.processInbox().first)
        // The directory changes while the file waits: the release meets it as it is.
        try state.drop("later.csv", GuardFiles.header + "user1@example.com,First1,Last1,Delete\n")
        try pipeline.processInbox()

        try state.drop("release-\(held.id).request", "")
        let release = try #require(try pipeline.processInbox().first)
        #expect(release.disposition == .done)
        #expect(release.releaseOf == held.id)
        #expect(release.decision?.byUID == getuid())
        #expect(release.summary.counts.deleted == 29, "user1 was deleted already: unchanged")
        #expect(try state.users().values.filter { $0.state == .deleted }.count == 30)
        #expect(try state.list("held").isEmpty)
        #expect(try state.list("inbox").isEmpty)
        #expect(try state.list("done").contains("feed.csv"))
        let report = try state.read("done/feed.csv.report.txt")
        #expect(report.contains("Released:    from import \(held.id), held by the mass-change guard, by "))

        let answered = try #require(try ImportHistory(database: state.database()).record(id: held.id))
        #expect(answered.disposition == .held && answered.releasedAs == release.id)
        #expect(answered.decision == release.decision)
        #expect(try HeldImports(database: state.database()).waiting().isEmpty)

        // A second release of the same import does nothing.
        try state.drop("release-\(held.id).request", "")
        #expect(try pipeline.processInbox().isEmpty)
        #expect(try state.list("inbox").isEmpty)
        #expect(try state.count("SELECT count(*) FROM imports WHERE release_of IS NOT NULL") == 1)
    }

    @Test func aRejectMovesTheHeldFileToFailedSayingByWhom() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("staff.csv", GuardFiles.directory(100))
        try pipeline.processInbox()
        let before = try state.users()
        try state.drop("feed.csv", GuardFiles.feed(deleting: 30))
        let held = try #require(try pipeline.processInbox().first)

        try state.drop("reject-\(held.id).request", "")
        let rejected = try #require(try pipeline.processInbox().first)
        #expect(rejected.id == held.id)
        #expect(rejected.disposition == .failed)
        #expect(rejected.error?.hasPrefix("rejected by ") == true)
        #expect(try state.users() == before)
        #expect(try state.list("held").isEmpty)
        #expect(try state.list("failed") == ["feed.csv", "feed.csv.report.txt"])
        #expect(try state.read("failed/feed.csv.report.txt").contains("Error\n  rejected by "))
        // Rejected means answered: a release now is refused.
        try state.drop("release-\(held.id).request", "")
        #expect(try pipeline.processInbox().isEmpty)
        #expect(try state.users() == before)
    }

    @Test func requestsOnImportsThatAreNotHeldAreRemovedWithoutEffect() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("staff.csv", GuardFiles.directory(3))
        let done = try #require(try pipeline.processInbox().first)
        try state.drop("release-\(done.id).request", "")
        try state.drop("reject-999.request", "")
        #expect(try pipeline.processInbox().isEmpty)
        #expect(try state.list("inbox").isEmpty)
        #expect(try state.list("failed").isEmpty)
    }

    @Test func aDirectoryNamedAsARequestIsLeftInTheInbox() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("staff.csv", GuardFiles.directory(100))
        try pipeline.processInbox()
        try state.drop("feed.csv", GuardFiles.feed(deleting: 30))
        let held = try #require(try pipeline.processInbox().first)
        try FileManager.default.createDirectory(
            atPath: state.paths.inbox + "/release-\(held.id).request", withIntermediateDirectories: false)
        #expect(try pipeline.processInbox().isEmpty)
        #expect(try pipeline.processInbox().isEmpty, "left, and looked at again without an error")
        #expect(try state.list("inbox") == ["release-\(held.id).request"])
        #expect(try state.list("work").isEmpty)
        #expect(try state.list("held") == ["feed.csv", "feed.csv.report.txt"])
    }

    @Test func aDryRunSaysTheFileWouldBeHeld() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("staff.csv", GuardFiles.directory(100))
        try pipeline.processInbox()
        let file = state.root + "/feed.csv"
        try GuardFiles.feed(deleting: 30).write(toFile: file, atomically: true, encoding: .utf8)
        let result = try BuiltProgram.userimportctl.run(["validate", "--state-dir", state.root, file])
        #expect(
            result.stdout.contains("would be held by the mass-change guard"),
            "\(result.stdout)\(result.stderr)")
        #expect(result.status == 1)
    }
}
