import UserImportStore

/// `user EMAIL`'s keys and `users --search`'s index, added while idle (see `LineageIndexing` and
/// `UserSearchIndexing`).
extension ImportPipeline {
    /// Chunks indexed per step: 16 chunks of up to 1,024 rows, a short transaction between imports.
    public static let indexChunksPerStep = 16

    /// One step of each indexing; false when both are up to date.
    public func indexStep(chunksPerStep: Int = indexChunksPerStep) throws -> Bool {
        try store.indexStep(chunks: chunksPerStep, now: now())
    }
}
