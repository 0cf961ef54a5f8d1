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
                do {
                    record.summary = try reverse(target, as: id, now: startedAt)
                    record.undoOf = target
                } catch let refusal as UndoRefusal {
                    record.disposition = .failed
                    record.error = refusal.message
                }
                record.finishedAt = now()
                let destination = Destination(record.disposition, duplicates: settings.duplicatePolicy)
                var committed = UnpublishedImport(
                    record: record, workName: workName, destination: destination,
                    attempt: firstFreeAttempt(for: workName, id: id, in: folder(for: destination)))
                committed.record.path = committed.recordedPath
                try history.finish(committed.record, publishAttempt: committed.attempt)
                return committed
            }
        }
        guard let result else { throw ImportInterrupted() }
        return result
    }

    /// Reverses import `target` inside the undo's transaction; returns the undo's counts.
    private func reverse(_ target: Int64, as undoID: Int64, now: Timestamp) throws -> ImportSummary {
        guard let undone = try history.record(id: target) else { throw UndoRefusal.noSuchImport(target) }
        if undone.undoOf != nil { throw UndoRefusal.isAnUndo(target) }
        guard undone.disposition == .done else { throw UndoRefusal.notDone(target, undone.disposition) }
        if let earlier = try history.undo(of: target) { throw UndoRefusal.undoneAlready(target, by: earlier) }
        let emailsCursor = try history.rows(importID: target)
        let emails = UndoPlan.changedEmails(in: emailsCursor)
        if let failure = emailsCursor.failure { throw failure }
        if emailsCursor.lacksPrevious { throw UndoRefusal.storedWithoutPreviousValues(target) }
        let writer = UndoWriter(database: database, undoID: undoID, now: now)
        let rows = try history.rows(importID: target)
        let plan: UndoPlan
        do {
            plan = try UndoPlan(undoing: target, rows: rows, current: try writer.current(emails: emails))
        } catch {
            throw UndoRefusal.storedWithoutPreviousValues(target)
        }
        if let failure = rows.failure { throw failure }
        try writer.apply(plan.steps)
        _ = try OutboxQueue(database: database).cancel(
            importID: target, lines: plan.cancellations.map { ($0.line, $0.kind) })
        var results = try RowResultWriter(database: database, importID: undoID)
        var summary = ImportSummary()
        for step in plan.steps {
            let result = step.result
            summary.counts[result.outcome] += 1
            try results.record(result)
        }
        try results.finish()
        summary.rows = plan.steps.count
        return summary
    }
}

/// Why an undo request undid nothing: its report in failed/ says so.
enum UndoRefusal: Error {
    case noSuchImport(Int64)
    case isAnUndo(Int64)
    case notDone(Int64, Disposition)
    case undoneAlready(Int64, by: Int64)
    case storedWithoutPreviousValues(Int64)

    var message: String {
        switch self {
        case .noSuchImport(let id): return "there is no import \(id); see userimportctl history"
        case .isAnUndo(let id):
            return "import \(id) is an undo, which cannot be undone; import the file again instead"
        case .notDone(let id, let disposition):
            return "import \(id) is \(disposition.rawValue): it applied nothing, there is nothing to undo"
        case .undoneAlready(let id, let by): return "import \(id) was undone already, by import \(by)"
        case .storedWithoutPreviousValues(let id):
            return
                "import \(id) was stored by an older version that kept no previous values; it cannot be undone"
        }
    }
}
