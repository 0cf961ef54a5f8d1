import Foundation
import Testing
import UserImportCore
import UserImportService

/// The importing connection does not checkpoint in its COMMIT (see `WALCheckpointer`): the log
/// must still reach the database file, while the pipeline is open, without anyone closing it.
struct CheckpointTests {
    @Test func anImportReachesTheDatabaseFileWhileThePipelineRuns() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        let before = try Self.size(of: state.paths.database)
        var text = "Email ID,First Name,Last Name,User Status\n"
        for index in 0..<20_000 { text += "user\(index)@example.com,Ann,Lee,New\n" }
        try state.drop("many.csv", text)
        #expect(try pipeline.processInbox().map(\.disposition) == [.done])
        // 20,000 users, their row results and outbox entries are well over a megabyte of pages.
        try waitFor("the log to be copied into the database file", timeout: 30) {
            try Self.size(of: state.paths.database) > before + 1_000_000
        }
        withExtendedLifetime(pipeline) {}
    }

    static func size(of path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TestFailure("cannot stat \(path)") }
        return Int(info.st_size)
    }
}
