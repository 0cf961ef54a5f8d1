import UserImportCore

/// Retention ([History] KeepRowResults): the row results of imports older than the cutoff, and
/// the previous values and rejected cells stored with them, removed a few chunks at a time so
/// each step is a short transaction between imports. The import rows themselves stay, marked
/// with when their rows went.
public struct RowResultPruning {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    /// One step: removes up to `chunks` stored chunks of one import, and returns false when there
    /// was nothing to prune. An import is marked pruned in the step that removes its first chunk,
    /// so from then on an undo is refused and its report says so, never working from part of its
    /// rows; the import marked last is finished before the next published import finished before
    /// `cutoff` is marked.
    public func step(finishedBefore cutoff: Timestamp, chunks: Int, now: Timestamp) throws -> Bool {
        try connection.transaction {
            if let id = try unfinished() {
                try delete(chunks, of: id)
                return true
            }
            // Published only: a report or rows file still to be written reads these rows. Reached
            // by the search indexing only: its rows say which users it changed.
            guard
                let id = try connection.scalar(
                    """
                    SELECT id FROM imports WHERE rows_pruned_at IS NULL AND finished_at < ? AND published = 1
                        AND id <= (SELECT through_import FROM user_search_progress)
                    ORDER BY finished_at LIMIT 1
                    """, .int(cutoff.millisecondsSinceEpoch))
            else { return false }
            try connection.prepare("UPDATE imports SET rows_pruned_at = ? WHERE id = ?").run(
                .int(now.millisecondsSinceEpoch), .int(id))
            try delete(chunks, of: id)
            return true
        }
    }

    /// The import marked last, while some of its chunks are left (several may share the mark's
    /// millisecond).
    private func unfinished() throws -> Int64? {
        try connection.scalar(
            """
            SELECT id FROM imports AS i
            WHERE rows_pruned_at = (SELECT max(rows_pruned_at) FROM imports WHERE rows_pruned_at IS NOT NULL)
                AND EXISTS (SELECT 1 FROM import_row_chunks WHERE import_id = i.id)
            LIMIT 1
            """)
    }

    private func delete(_ chunks: Int, of id: Int64) throws {
        if try hasLineageKeys(id) {
            let select = try connection.prepare(
                "SELECT first_line, row_count, rows FROM import_row_chunks WHERE import_id = ? ORDER BY first_line LIMIT ?"
            )
            try select.bind(.int(id), .int(Int64(chunks)))
            var going: [(firstLine: Int64, rowCount: Int64, rows: [UInt8])] = []
            while try select.step() { going.append((select.int(0), select.int(1), select.blob(2))) }
            try LineageIndexing.removeKeys(ofChunks: going, import: id, connection: connection)
        }
        try connection.prepare(
            """
            DELETE FROM import_row_chunks WHERE import_id = ?1 AND first_line IN
                (SELECT first_line FROM import_row_chunks WHERE import_id = ?1 ORDER BY first_line LIMIT ?2)
            """
        ).run(.int(id), .int(Int64(chunks)))
    }

    /// Whether the idle indexing has reached import `id` (see `LineageIndexing`).
    private func hasLineageKeys(_ id: Int64) throws -> Bool {
        try connection.scalar(
            """
            SELECT EXISTS (SELECT 1 FROM imports WHERE id = ?1 AND lineage_indexed_at IS NOT NULL)
                OR EXISTS (SELECT 1 FROM lineage_progress WHERE import_id = ?1)
            """, .int(id)) == 1
    }
}
