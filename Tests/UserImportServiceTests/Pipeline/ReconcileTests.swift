import Foundation
import Testing
import UserImportCore
import UserImportService
import UserImportStore

/// The states a crash can leave behind (the README's "What happens to a file"), built by hand, and what a restart makes of them.
struct ReconcileTests {
    /// Imports the sample, then rewinds the published file to the state just after the commit.
    func committedButUnpublished(keepReport: Bool, fileInWork: Bool) throws -> TestStateDirectory {
        let state = try TestStateDirectory()
        try state.drop("sample.csv", seedSample)
        try state.pipeline().processInbox()
        if fileInWork {
            #expect(rename(state.root + "/done/sample.csv", state.root + "/work/sample.csv") == 0)
        }
        if !keepReport { #expect(unlink(state.root + "/done/sample.csv.report.txt") == 0) }
        try ImportDatabase(path: state.paths.database).connection.execute("UPDATE imports SET published = 0")
        return state
    }

    func expectImportedExactlyOnce(_ state: TestStateDirectory) throws {
        #expect(try state.list("done") == ["sample.csv", "sample.csv.report.txt"])
        #expect(try state.list("work").isEmpty)
        #expect(try state.count("SELECT count(*) FROM imports") == 1)
        #expect(try state.count("SELECT count(*) FROM imports WHERE published = 1") == 1)
        #expect(try state.count("SELECT count(*) FROM users") == 2)
        #expect(try state.storedRowCount() == 2)
        #expect(try state.queuedEmails().count == 2)
        #expect(try state.read("done/sample.csv.report.txt").contains("created 2"))
    }

    @Test func crashAfterCommitBeforeReport() throws {
        let state = try committedButUnpublished(keepReport: false, fileInWork: true)
        let records = try state.pipeline().reconcile()
        #expect(records.map(\.id) == [1])
        try expectImportedExactlyOnce(state)
    }

    @Test func crashAfterReportBeforeMove() throws {
        let state = try committedButUnpublished(keepReport: true, fileInWork: true)
        try state.pipeline().reconcile()
        try expectImportedExactlyOnce(state)
    }

    @Test func crashAfterMoveBeforeMarkingPublished() throws {
        let state = try committedButUnpublished(keepReport: true, fileInWork: false)
        try state.pipeline().reconcile()
        try expectImportedExactlyOnce(state)
    }

    /// A crash after the move but before the rows to fix were all on disk: the restart writes them
    /// from the published file, the same as they would have been.
    @Test(arguments: [true, false]) func theRowsToFixAreWrittenAgainAfterACrash(fileInWork: Bool) throws {
        let state = try TestStateDirectory()
        try state.drop(
            "feed.csv", "Email ID,First Name,Last Name,User Status\na@x.org,Ann,Lee,New\nb@x.org,Bob,,New\n")
        try state.pipeline().processInbox()
        let written = try state.read("done/feed.csv.rejected.csv")
        #expect(written.contains("b@x.org,Bob,,New,Last Name is empty"))
        if fileInWork { #expect(rename(state.root + "/done/feed.csv", state.root + "/work/feed.csv") == 0) }
        #expect(unlink(state.root + "/done/feed.csv.rejected.csv") == 0)
        try ImportDatabase(path: state.paths.database).connection.execute("UPDATE imports SET published = 0")
        try state.pipeline().reconcile()
        #expect(try state.read("done/feed.csv.rejected.csv") == written)
        #expect(try state.list("done") == ["feed.csv", "feed.csv.rejected.csv", "feed.csv.report.txt"])
        #expect(try state.count("SELECT count(*) FROM users") == 1)
    }

    @Test func crashAfterClaimBeforeCommitImportsTheFileOnce() throws {
        let state = try TestStateDirectory()
        _ = try state.pipeline()
        try seedSample.write(toFile: state.root + "/work/sample.csv", atomically: false, encoding: .utf8)
        try state.pipeline().reconcile()
        try expectImportedExactlyOnce(state)
    }

    @Test func aLeftoverReportTempFileIsRemoved() throws {
        let state = try TestStateDirectory()
        _ = try state.pipeline()
        try "partial".write(toFile: state.root + "/work/.report-7.tmp", atomically: false, encoding: .utf8)
        #expect(try state.pipeline().reconcile().isEmpty)
        #expect(try state.list("work").isEmpty)
        #expect(try state.list("done").isEmpty)
    }

    @Test func reconcilingTwiceChangesNothing() throws {
        let state = try committedButUnpublished(keepReport: false, fileInWork: true)
        try state.pipeline().reconcile()
        #expect(try state.pipeline().reconcile().isEmpty)
        try expectImportedExactlyOnce(state)
    }
}
