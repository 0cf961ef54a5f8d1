import UserImportCore

/// Retention on PostgreSQL, as `RowResultPruning` does it in SQLite: the row results of published
/// imports older than the cutoff, a few chunks at a time, the import rows kept and marked, the
/// lineage keys of each chunk removed with it. An import is pruned only once the search index
/// has read it: until then its chunks name the users whose entries may be stale.
public struct PostgresRowResultPruning {
    private let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// One step: removes up to `chunks` chunks of one import; false when there was nothing to
    /// prune. An import is marked in the step that removes its first chunk, so from then on an
    /// undo is refused and its report says so.
    /// Throws `UpkeepBusy` while another daemon prunes or indexes.
    public func step(finishedBefore cutoff: Timestamp, chunks: Int, now: Timestamp) throws -> Bool {
        try PostgresLineageIndexing.upkeep(connection) {
            let unfinished = try connection.scalar(
                """
                SELECT id FROM imports AS i
                WHERE rows_pruned_at = (SELECT max(rows_pruned_at) FROM imports WHERE rows_pruned_at IS NOT NULL)
                    AND EXISTS (SELECT 1 FROM import_row_chunks WHERE import_id = i.id)
                LIMIT 1
                """)
            if let unfinished {
                try delete(chunks, of: unfinished)
                return true
            }
            guard
                let id = try connection.scalar(
                    """
                    SELECT id FROM imports
                    WHERE rows_pruned_at IS NULL AND finished_at < $1 AND published
                        AND search_indexed_at IS NOT NULL
                    ORDER BY finished_at LIMIT 1 FOR UPDATE SKIP LOCKED
                    """,
                    [String(cutoff.millisecondsSinceEpoch)])
            else { return false }
            try connection.query(
                "UPDATE imports SET rows_pruned_at = $2 WHERE id = $1",
                [id, String(now.millisecondsSinceEpoch)])
            try delete(chunks, of: id)
            return true
        }
    }

    private func delete(_ chunks: Int, of id: String) throws {
        try connection.query(Self.deleteSQL, [id, String(chunks)])
    }

    /// $1: the import, $2: how many chunks. The first chunks of the import and their lineage keys
    /// in one statement, the chunks' lines chosen once; the keys are found by the chunk
    /// (`lineage_keys_chunk`), so neither the key table nor the chunks' bytes are read.
    static let deleteSQL = """
        WITH going AS (
            SELECT first_line FROM import_row_chunks WHERE import_id = $1 ORDER BY first_line LIMIT $2
        ), keys AS (
            DELETE FROM lineage_keys WHERE import_id = $1 AND first_line IN (SELECT first_line FROM going)
        )
        DELETE FROM import_row_chunks WHERE import_id = $1 AND first_line IN (SELECT first_line FROM going)
        """
}
