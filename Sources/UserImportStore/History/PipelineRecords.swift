import UserImportCore

/// What the pipeline reads and writes in the history around an import's own transaction
/// (publishing, the reconciler, the day's count), on either backend.
public protocol PublishingHistory {
    func record(id: Int64) throws -> ImportRecord?
    func placement(id: Int64) throws -> UnpublishedImport?
    func renamePublished(id: Int64, path: String, attempt: Int) throws
    func markPublished(id: Int64, path: String) throws
    func markUnpublished(id: Int64) throws
    func count(since time: Timestamp) throws -> Int
    /// Whether an import committed to be published at `path` (relative to the state directory)
    /// is not published yet, by whichever daemon committed it.
    func isBeingPublished(path: String) throws -> Bool
}

/// The decisions on held files, on either backend.
public protocol HeldDecisionRecords {
    /// Records a decision unless one is recorded already; returns the one that stands.
    func record(_ action: HeldAction, on importID: Int64, _ decision: HeldDecision) throws
        -> HeldImports.Pending
    func clear(_ pending: HeldImports.Pending) throws
    func pending(workName: FileName) throws -> HeldImports.Pending?
    func pendingRelease(sha256: String) throws -> HeldImports.Pending?
    func completeRelease(_ pending: HeldImports.Pending, as releaseID: Int64, path: String?) throws
}

extension ImportHistory: PublishingHistory {}
extension HeldImports: HeldDecisionRecords {}
