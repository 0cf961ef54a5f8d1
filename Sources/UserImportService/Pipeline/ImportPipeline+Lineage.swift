import UserImportStore

/// `user EMAIL`'s keys, added while idle (see `LineageIndexing`).
extension ImportPipeline {
    /// Chunks indexed per step: 16 chunks of 1,024 rows, a short transaction between imports.
    public static let lineageChunksPerStep = 16

    /// One step of indexing; false when every import is indexed.
    public func indexLineage(chunksPerStep: Int = lineageChunksPerStep) throws -> Bool {
        try LineageIndexing(database: database).step(chunks: chunksPerStep, now: now())
    }
}
