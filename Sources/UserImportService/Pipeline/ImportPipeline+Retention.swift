import UserImportCore
import UserImportStore

/// Retention: row results older than [History] KeepRowResults go, a step at a time.
extension ImportPipeline {
    /// Chunks removed per step: 64 chunks of up to 1,024 rows, a short transaction between imports.
    public static let pruneChunksPerStep = 64

    /// One step of pruning; false when nothing is older than `keepMilliseconds`.
    public func pruneRowResults(keepMilliseconds: Int, chunksPerStep: Int = pruneChunksPerStep) throws -> Bool
    {
        let now = now()
        let cutoff = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - Int64(keepMilliseconds))
        return try store.pruneStep(finishedBefore: cutoff, chunks: chunksPerStep, now: now)
    }
}
