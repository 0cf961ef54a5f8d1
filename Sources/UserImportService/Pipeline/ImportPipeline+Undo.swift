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
            result = try store.transaction {
                let id = try store.beginImport(
                    workName: workName, size: info.size, ownerUID: info.ownerUID, receivedAt: receivedAt,
                    startedAt: startedAt)
                var record = ImportRecord(
                    id: id, fileName: workName.display, path: nil, sha256: sha256, size: info.size,
                    ownerUID: info.ownerUID, receivedAt: receivedAt, startedAt: startedAt,
                    finishedAt: startedAt,
                    disposition: .done, duplicateOf: nil, error: nil, summary: ImportSummary())
                record.decision = decision
                do {
                    record.summary = try store.reverse(
                        target, as: id, now: startedAt, windowRows: undoWindowRows)
                    record.undoOf = target
                } catch let refusal as UndoRefusal {
                    // A refused undo changes nothing: the store took back what it had written.
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
}
