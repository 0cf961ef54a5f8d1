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
                return try finish(record, workName: workName)
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
        // A window of rows at a time, so memory stays flat whatever the import's size: each
        // window plans the users it changes first, and `undo_seen` (a TEMP table) remembers across
        // windows whom an earlier window put back, for the emails their later rows queued.
        try database.connection.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS undo_seen (email TEXT PRIMARY KEY, put_back INTEGER NOT NULL)
                WITHOUT ROWID;
            DELETE FROM temp.undo_seen;
            """)
        let seen = try database.connection.prepare("SELECT put_back FROM temp.undo_seen WHERE email = ?")
        let remember = try database.connection.prepare(
            "INSERT INTO temp.undo_seen (email, put_back) VALUES (?, ?)")
        let writer = UndoWriter(database: database, undoID: undoID, now: now)
        let outbox = OutboxQueue(database: database)
        var results = try RowResultWriter(database: database, importID: undoID)
        var summary = ImportSummary()
        let rows = try history.rows(importID: target)
        var window: [RowResult] = []

        func plan(_ window: [RowResult]) throws {
            var fresh: [RowResult] = []
            var later: [UndoPlan.Cancellation] = []
            var freshEmails = Set<String>()
            for row in window where UndoPlan.wrote(row) {
                if freshEmails.contains(row.email) {
                    fresh.append(row)
                    continue
                }
                try seen.bind(.text(row.email))
                let earlier = try seen.step() ? seen.int(0) : nil
                seen.reset()
                if let earlier {
                    if earlier == 1, let email = UndoPlan.queuedEmail(of: row) { later.append(email) }
                } else {
                    freshEmails.insert(row.email)
                    fresh.append(row)
                }
            }
            if rows.lacksPrevious { throw UndoRefusal.storedWithoutPreviousValues(target) }
            let current = try writer.current(emails: UndoPlan.changedEmails(in: fresh))
            let plan: UndoPlan
            do {
                plan = try UndoPlan(undoing: target, rows: fresh, current: current)
            } catch {
                throw UndoRefusal.storedWithoutPreviousValues(target)
            }
            try writer.apply(plan.steps)
            for step in plan.steps {
                let putBack: Int64
                switch step.action {
                case .delete, .restore: putBack = 1
                case .kept, .absent: putBack = 0
                }
                try remember.run(.text(step.email), .int(putBack))
                let result = step.result
                summary.counts[result.outcome] += 1
                try results.record(result)
            }
            let cancelled = (plan.cancellations + later).sorted { $0.line < $1.line }
            _ = try outbox.cancel(importID: target, lines: cancelled.map { ($0.line, $0.kind) })
            summary.rows += plan.steps.count
        }

        for row in rows {
            window.append(row)
            if window.count == undoWindowRows {
                try plan(window)
                window.removeAll(keepingCapacity: true)
            }
        }
        if let failure = rows.failure { throw failure }
        try plan(window)
        try results.finish()
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
