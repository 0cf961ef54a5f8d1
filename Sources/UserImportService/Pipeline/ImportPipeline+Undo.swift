import Glibc
import UserImportCore
import UserImportStore

/// An undo (`undo-ID.request`, as `userimportctl undo ID` leaves it in the inbox): claimed like a
/// file, then ONE transaction that reverses the import — users, their pending emails, and a history
/// row of its own with a row result per user — published into done/ with its report like any
/// import. A crash before the commit leaves the request claimed, undone again at the next start;
/// after it, the reconciler publishes it. `undo_of` is unique: an import is undone once.
extension ImportPipeline {
    func undoClaimed(_ workName: FileName, undoing target: Int64, receivedAt: Timestamp) throws
        -> UnpublishedImport
    {
        let info = try work.status(of: workName)
        let startedAt = now()
        let decision = HeldDecision(
            byUID: info.ownerUID, byName: AccountName.of(uid: info.ownerUID), at: startedAt)
        var empty = SHA256()
        let sha256 = empty.finalizeHex()
        var result: UnpublishedImport?
        // Committed while no email is being sent: a cancelled one is never sent after the commit.
        try exclusiveOfSending {
            result = try database.connection.transaction {
                let id = try history.begin(
                    workName: workName, size: info.size, ownerUID: info.ownerUID, receivedAt: receivedAt,
                    startedAt: startedAt)
                var record = ImportRecord(
                    id: id, fileName: workName.display, path: nil, sha256: sha256, size: info.size,
                    ownerUID: info.ownerUID, receivedAt: receivedAt, startedAt: startedAt,
                    finishedAt: startedAt,
                    disposition: .done, duplicateOf: nil, error: nil, summary: ImportSummary())
                record.decision = decision
                // A refusal found in a later window (rows stored without previous values) takes
                // back what earlier windows wrote: a refused undo changes nothing.
                try database.connection.execute("SAVEPOINT undo_rows")
                do {
                    record.summary = try reverse(target, as: id, now: startedAt)
                    record.undoOf = target
                } catch let refusal as UndoRefusal {
                    try database.connection.execute("ROLLBACK TO undo_rows")
                    record.disposition = .failed
                    record.error = refusal.message
                }
                try database.connection.execute("RELEASE undo_rows")
                record.finishedAt = now()
                return try finish(record, workName: workName)
            }
        }
        guard let result else { throw ImportInterrupted() }
        return result
    }

    /// Reverses import `target` inside the undo's transaction; returns the undo's counts.
    private func reverse(_ target: Int64, as undoID: Int64, now: Timestamp) throws -> ImportSummary {
        if let refusal = UndoRefusal.of(try history.record(id: target), id: target) { throw refusal }
        let writer = UndoWriter(database: database, undoID: undoID, now: now)
        let outbox = OutboxQueue(database: database)
        var results = try RowResultWriter(database: database, importID: undoID)
        var summary = ImportSummary()
        let windows = try UndoWindows(database: database, undoing: target, windowRows: undoWindowRows)
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
}
