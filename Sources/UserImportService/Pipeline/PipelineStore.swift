import UserImportCore
import UserImportStore

/// What the pipeline keeps in its database, whichever database that is: the SQLite file
/// (`SQLitePipelineStore`, the default) or a PostgreSQL server several daemons share
/// (`PostgresPipelineStore`). The pipeline decides a file's fate; the store only keeps it.
///
/// One store per pipeline, used from the import thread only. Every write happens inside
/// `transaction`, and a file's rows inside `readFile`'s savepoint, so each backend gives the same
/// guarantee: a file's changes, history row, row results and emails commit together or not at all.
protocol PipelineStore: AnyObject {
    /// The history and the held decisions, as the pipeline writes them around its transactions.
    var publishing: any PublishingHistory { get throws }
    var decisions: any HeldDecisionRecords { get throws }

    func transaction<T>(_ body: () throws -> T) throws -> T

    /// The history row, begun and finished inside the file's transaction.
    func beginImport(
        workName: FileName, size: Int, ownerUID: UInt32?, receivedAt: Timestamp, startedAt: Timestamp
    ) throws -> Int64
    func finishImport(_ record: ImportRecord, publishAttempt: Int) throws

    /// Runs the file through `ImportRun` under a savepoint, inside the transaction of import `id`.
    func readFile<Source: RereadableSource>(
        _ input: ImportRun.Input<Source>, importer: Importer, id: Int64, now: Timestamp
    ) throws -> ImportRun.Outcome

    func record(id: Int64) throws -> ImportRecord?
    func placement(id: Int64) throws -> UnpublishedImport?
    func unpublished() throws -> [UnpublishedImport]
    func renamePublished(id: Int64, path: String, attempt: Int) throws
    func markPublished(id: Int64, path: String) throws
    func markUnpublished(id: Int64) throws
    func importCount(since time: Timestamp) throws -> Int
    func rows(importID: Int64) throws -> RowResultCursor
    func rows(importID: Int64, keeping: @escaping (RowOutcome) -> Bool) throws -> RowResultCursor

    /// A person's decision on a held import, recorded before it is carried out.
    func recordDecision(_ action: HeldAction, on id: Int64, _ decision: HeldDecision) throws
        -> HeldImports.Pending
    func clearDecision(_ pending: HeldImports.Pending) throws
    func pendingDecision(workName: FileName) throws -> HeldImports.Pending?
    func pendingRelease(sha256: String) throws -> HeldImports.Pending?
    func completeRelease(_ pending: HeldImports.Pending, as releaseID: Int64, path: String?) throws

    /// Reverses import `target` inside the undo's transaction (the changes of a refused undo are
    /// taken back here); returns the undo's counts, or throws `UndoRefusal`.
    func reverse(_ target: Int64, as undoID: Int64, now: Timestamp, windowRows: Int) throws -> ImportSummary

    /// One step of the idle work (pruning past `finishedBefore`, indexing); false when none is left.
    func pruneStep(finishedBefore cutoff: Timestamp, chunks: Int, now: Timestamp) throws -> Bool
    func indexStep(chunks: Int, now: Timestamp) throws -> Bool

    /// Told after each commit (SQLite checkpoints its log beside the report).
    func committed()
    /// Called often during long statements, to show the daemon is alive.
    func onProgress(_ busy: @escaping () -> Void)
    /// Called while the store waits for another daemon's import to commit; it may throw to stop.
    func whileWaiting(_ tick: @escaping () throws -> Void)
    /// Daemons sharing the database whose work lease ran out: their folders' work is left.
    func abandonedWork() throws -> [(daemon: String, publishesHere: Bool)]
    /// A store answering for `daemon`'s work folder, its lease taken; nil when another daemon
    /// took it first.
    func finishing(_ daemon: String) throws -> (any PipelineStore)?
    /// Gives the work folder's lease back once its work is finished.
    func releaseWork() throws
    /// Gives the lease up with the work unfinished: another daemon (or this one later) takes it.
    func giveUpWork()
    /// Throws when this store no longer answers for its work folder (another daemon took the
    /// folder's lease over): called before each change to the published folders, so that a
    /// daemon that lost its lease between its commit and its publishing leaves them to the
    /// daemon that finishes its work.
    func fence() throws
}

/// The same on every backend: straight to its history and held decisions.
extension PipelineStore {
    /// An undo's windows inside the savepoint `undo_rows`: a refusal found in a later window
    /// (rows stored without previous values) is thrown after earlier windows wrote, and rolling
    /// back to the savepoint takes those back. `execute` runs a statement on the store.
    func refusedWhole(_ execute: (String) throws -> Void, _ undo: () throws -> ImportSummary) throws
        -> ImportSummary
    {
        try execute("SAVEPOINT undo_rows")
        do {
            let summary = try undo()
            try execute("RELEASE SAVEPOINT undo_rows")
            return summary
        } catch let refusal as UndoRefusal {
            try execute("ROLLBACK TO SAVEPOINT undo_rows")
            try execute("RELEASE SAVEPOINT undo_rows")
            throw refusal
        }
    }

    func record(id: Int64) throws -> ImportRecord? { try publishing.record(id: id) }
    func placement(id: Int64) throws -> UnpublishedImport? { try publishing.placement(id: id) }

    func renamePublished(id: Int64, path: String, attempt: Int) throws {
        try publishing.renamePublished(id: id, path: path, attempt: attempt)
    }

    func markPublished(id: Int64, path: String) throws { try publishing.markPublished(id: id, path: path) }
    func markUnpublished(id: Int64) throws { try publishing.markUnpublished(id: id) }
    func importCount(since time: Timestamp) throws -> Int { try publishing.count(since: time) }

    func recordDecision(_ action: HeldAction, on id: Int64, _ decision: HeldDecision) throws
        -> HeldImports.Pending
    {
        try decisions.record(action, on: id, decision)
    }

    func clearDecision(_ pending: HeldImports.Pending) throws { try decisions.clear(pending) }

    func pendingDecision(workName: FileName) throws -> HeldImports.Pending? {
        try decisions.pending(workName: workName)
    }

    func pendingRelease(sha256: String) throws -> HeldImports.Pending? {
        try decisions.pendingRelease(sha256: sha256)
    }

    func completeRelease(_ pending: HeldImports.Pending, as releaseID: Int64, path: String?) throws {
        try decisions.completeRelease(pending, as: releaseID, path: path)
    }
}

/// The store in the SQLite file: one connection, the history and held decisions over it.
final class SQLitePipelineStore: PipelineStore {
    let database: ImportDatabase
    private let history: ImportHistory
    private let heldImports: HeldImports
    /// Checkpoints the log after each import while the report is written.
    private let checkpoints: BackgroundCheckpoints

    init(path: String) throws {
        database = try ImportDatabase(path: path)
        checkpoints = BackgroundCheckpoints(databasePath: path)
        try database.checkpointsElsewhere()
        history = ImportHistory(database: database)
        heldImports = HeldImports(database: database)
    }

    func transaction<T>(_ body: () throws -> T) throws -> T {
        try database.connection.transaction(body)
    }

    func beginImport(
        workName: FileName, size: Int, ownerUID: UInt32?, receivedAt: Timestamp, startedAt: Timestamp
    ) throws -> Int64 {
        try history.begin(
            workName: workName, size: size, ownerUID: ownerUID, receivedAt: receivedAt, startedAt: startedAt)
    }

    func finishImport(_ record: ImportRecord, publishAttempt: Int) throws {
        try history.finish(record, publishAttempt: publishAttempt)
    }

    func readFile<Source: RereadableSource>(
        _ input: ImportRun.Input<Source>, importer: Importer, id: Int64, now: Timestamp
    ) throws -> ImportRun.Outcome {
        // The savepoint lets a file-level error, a duplicate or strict mode discard every row
        // while the history row stays.
        try database.connection.execute("SAVEPOINT file_rows")
        var attempt = PipelineAttempt(database: database, id: id, now: now)
        let outcome = try ImportRun.run(input, importer: importer, attempt: &attempt)
        try database.connection.execute("RELEASE file_rows")
        return outcome
    }

    var publishing: any PublishingHistory { history }
    var decisions: any HeldDecisionRecords { heldImports }
    func unpublished() throws -> [UnpublishedImport] { try history.unpublished() }

    func rows(importID: Int64) throws -> RowResultCursor { try history.rows(importID: importID) }

    func rows(importID: Int64, keeping: @escaping (RowOutcome) -> Bool) throws -> RowResultCursor {
        try history.rows(importID: importID, keeping: keeping)
    }

    func reverse(_ target: Int64, as undoID: Int64, now: Timestamp, windowRows: Int) throws -> ImportSummary {
        try refusedWhole(database.connection.execute) {
            try reverseInSavepoint(target, as: undoID, now: now, windowRows: windowRows)
        }
    }

    private func reverseInSavepoint(_ target: Int64, as undoID: Int64, now: Timestamp, windowRows: Int) throws
        -> ImportSummary
    {
        if let refusal = UndoRefusal.of(try history.record(id: target), id: target) { throw refusal }
        let writer = UndoWriter(database: database, undoID: undoID, now: now)
        let outbox = OutboxQueue(database: database)
        var results = try RowResultWriter(database: database, importID: undoID)
        var summary = ImportSummary()
        let windows = try UndoWindows(database: database, undoing: target, windowRows: windowRows)
        for window in windows {
            let plan = window.plan
            try writer.apply(plan.steps)
            for step in plan.steps {
                let result = step.result
                summary.counts[result.outcome] += 1
                try results.record(result)
            }
            let cancelled = (plan.cancellations + window.laterCancellations).sorted { $0.line < $1.line }
            _ = try outbox.cancel(importID: target, lines: cancelled.map { ($0.line, $0.kind) })
            summary.rows += plan.steps.count
        }
        if let failure = windows.failure { throw failure }
        try results.finish()
        return summary
    }

    func pruneStep(finishedBefore cutoff: Timestamp, chunks: Int, now: Timestamp) throws -> Bool {
        try RowResultPruning(database: database).step(finishedBefore: cutoff, chunks: chunks, now: now)
    }

    func indexStep(chunks: Int, now: Timestamp) throws -> Bool {
        let lineage = try LineageIndexing(database: database).step(chunks: chunks, now: now)
        let search = try UserSearchIndexing(database: database).step(chunks: chunks)
        return lineage || search
    }

    func committed() { checkpoints.nudge() }

    func onProgress(_ busy: @escaping () -> Void) {
        database.connection.onProgress(every: 100_000) { busy() }
    }

    /// One daemon per file: nobody else's import to wait for.
    func whileWaiting(_ tick: @escaping () throws -> Void) {}

    /// Nobody else's work folder.
    func abandonedWork() throws -> [(daemon: String, publishesHere: Bool)] { [] }
    func finishing(_ daemon: String) throws -> (any PipelineStore)? { nil }
    func releaseWork() throws {}
    func giveUpWork() {}
    /// The state directory's lock keeps every other daemon out of the folder.
    func fence() throws {}
}
