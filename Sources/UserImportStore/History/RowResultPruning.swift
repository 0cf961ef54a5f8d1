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

    /// One step: removes up to `chunks` stored chunks of the oldest published import finished
    /// before `cutoff` whose rows are still kept, and marks it pruned once none is left. Returns
    /// false when there was nothing to prune.
    public func step(finishedBefore cutoff: Timestamp, chunks: Int, now: Timestamp) throws -> Bool {
        try connection.transaction {
            // Published only: a report or rows file still to be written reads these rows.
            guard
                let id = try connection.scalar(
                    """
                    SELECT id FROM imports WHERE rows_pruned_at IS NULL AND finished_at < ? AND published = 1
                    ORDER BY finished_at LIMIT 1
                    """, .int(cutoff.millisecondsSinceEpoch))
            else { return false }
            try connection.prepare(
                """
                DELETE FROM import_row_chunks WHERE import_id = ?1 AND first_line IN
                    (SELECT first_line FROM import_row_chunks WHERE import_id = ?1 ORDER BY first_line LIMIT ?2)
                """
            ).run(.int(id), .int(Int64(chunks)))
            let left = try connection.scalar(
                "SELECT EXISTS (SELECT 1 FROM import_row_chunks WHERE import_id = ?)", .int(id))
            if left == 0 {
                try connection.prepare("UPDATE imports SET rows_pruned_at = ? WHERE id = ?").run(
                    .int(now.millisecondsSinceEpoch), .int(id))
            }
            return true
        }
    }
}
