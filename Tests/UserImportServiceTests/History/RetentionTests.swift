import Foundation
import Synchronization
import Testing
import UserImportCore
import UserImportService
import UserImportStore

/// [History] KeepRowResults: row results older than the retention go, a step at a time; the
/// imports stay, their reports say so, and an import without its rows cannot be undone.
struct RetentionTests {
    static let header = "Email ID,First Name,Last Name,User Status\n"
    static let day: Int64 = 86_400_000
    static let start: Int64 = 1_767_225_600_000

    static func rows(_ count: Int, from first: Int) -> String {
        header + (first..<(first + count)).map { "u\($0)@example.com,U,\($0),New\n" }.joined()
    }

    @Test func onlyOlderRowResultsArePrunedAndEveryImportStays() throws {
        let state = try TestStateDirectory()
        let clock = Mutex(Self.start)
        let pipeline = try state.pipeline(now: { Timestamp(millisecondsSinceEpoch: clock.withLock { $0 }) })
        try state.drop("old.csv", Self.rows(3_000, from: 0))
        #expect(try pipeline.processInbox().count == 1)
        clock.withLock { $0 += 10 * Self.day }
        try state.drop("recent.csv", Self.rows(500, from: 3_000))
        #expect(try pipeline.processInbox().count == 1)
        let users = try state.users()
        let recentRows = try state.storedRows()[2]
        #expect(try state.count("SELECT count(*) FROM import_row_chunks WHERE import_id = 1") == 3)

        // Keeping 5 days: one step per call, 64 chunks each, so the three chunks go in one step
        // and the next finds nothing.
        let keep = Int(5 * Self.day)
        // Not before the search indexing has read which users the import changed.
        #expect(try !pipeline.pruneRowResults(keepMilliseconds: keep))
        while try pipeline.indexStep() {}
        #expect(try pipeline.pruneRowResults(keepMilliseconds: keep))
        #expect(try !pipeline.pruneRowResults(keepMilliseconds: keep), "nothing older is left")
        #expect(try state.count("SELECT count(*) FROM import_row_chunks WHERE import_id = 1") == 0)
        #expect(try state.storedRows()[2] == recentRows, "the recent import's rows are kept")
        #expect(try state.count("SELECT count(*) FROM imports") == 2, "every import row stays")
        #expect(try state.users() == users, "the directory is untouched")
        let old = try #require(try ImportHistory(database: state.database()).record(id: 1))
        #expect(old.rowsPrunedAt == Timestamp(millisecondsSinceEpoch: Self.start + 10 * Self.day))
        #expect(old.summary.counts.created == 3_000, "the counts stay")
        let report = ReportText.render(old, rows: [RowResult]())
        #expect(report.contains("pruned on 2026-01-11T00:00:00.000Z"))
        #expect(UndoRefusal.of(old, id: 1) == .rowsPruned(1))

        // An undo request for it is refused, with the reason in its report.
        try state.drop("undo-1.request", "")
        let undo = try #require(try pipeline.processInbox().first)
        #expect(undo.disposition == .failed)
        #expect(undo.error?.contains("KeepRowResults") == true)
        #expect(try state.users() == users)
    }

    /// An import is marked before its first chunk goes: part-way, an undo is already refused.
    @Test func anImportPartlyPrunedIsAlreadyMarkedAndCannotBeUndone() throws {
        let state = try TestStateDirectory()
        let clock = Mutex(Self.start)
        let pipeline = try state.pipeline(now: { Timestamp(millisecondsSinceEpoch: clock.withLock { $0 }) })
        try state.drop("old.csv", Self.rows(3_000, from: 0))
        try state.drop("older.csv", Self.rows(2_000, from: 3_000))
        #expect(try pipeline.processInbox().count == 2)
        clock.withLock { $0 += 10 * Self.day }
        let keep = Int(5 * Self.day)
        while try pipeline.indexStep() {}
        #expect(try pipeline.pruneRowResults(keepMilliseconds: keep, chunksPerStep: 1))
        let chunks = "SELECT count(*) FROM import_row_chunks WHERE import_id = "
        #expect(try state.count(chunks + "1") + state.count(chunks + "2") == 4, "one chunk of five gone")
        let partly = try #require(
            try ImportHistory(database: state.database()).recent().first { $0.rowsPrunedAt != nil })
        #expect(UndoRefusal.of(partly, id: partly.id) == .rowsPruned(partly.id))
        try state.drop("undo-\(partly.id).request", "")
        let undo = try #require(try pipeline.processInbox().first)
        #expect(undo.disposition == .failed && undo.error?.contains("KeepRowResults") == true)
        // The marked import is finished before the next one starts.
        #expect(try pipeline.pruneRowResults(keepMilliseconds: keep, chunksPerStep: 1))
        let left = try state.count(chunks + "\(partly.id)")
        #expect(left == (partly.summary.rows > 2_048 ? 1 : 0))
        var steps = 0
        while try pipeline.pruneRowResults(keepMilliseconds: keep, chunksPerStep: 1) { steps += 1 }
        #expect(try state.count("SELECT count(*) FROM import_row_chunks WHERE import_id IN (1, 2)") == 0)
        #expect(
            try state.count("SELECT count(*) FROM imports WHERE rows_pruned_at IS NOT NULL AND id IN (1, 2)")
                == 2)
        #expect(steps >= 3)
    }

    /// Through the built daemon: it prunes by itself while idle.
    @Test func theDaemonPrunesWhileIdle() throws {
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(
            state: state,
            config: "[Import]\nSettleTime=50ms\n[Mail]\nTransport=none\n[History]\nKeepRowResults=2s\n")
        try state.drop("a.csv", Self.rows(1_500, from: 0))
        try waitFor("imported", timeout: 20) { state.exists("done/a.csv.report.txt") }
        try waitFor("its rows pruned", timeout: 30) {
            try state.count("SELECT count(*) FROM imports WHERE rows_pruned_at IS NOT NULL") == 1
        }
        #expect(try state.count("SELECT count(*) FROM import_row_chunks") == 0)
        let report = try BuiltProgram.userimportctl.run(["report", "1", "--state-dir", state.root])
        #expect(report.stdout.contains("row results are kept for [History] KeepRowResults"))
        #expect(try daemon.stop() == 0)
    }
}
