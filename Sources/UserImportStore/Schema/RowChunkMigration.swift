import UserImportCore

/// Migration 4's step: every row of `import_rows` into chunks, then the old table dropped.
enum RowChunkMigration {
    /// Streams the old rows in key order, so memory holds one chunk whatever the history's size.
    /// A row that cannot be read stops the migration (and its transaction rolls back).
    static func carryRowsIntoChunks(_ connection: SQLiteConnection) throws {
        let old = try connection.prepare(
            "SELECT import_id, line, email, status, outcome, reason FROM import_rows ORDER BY import_id, line"
        )
        var writer: (importID: Int64, rows: RowResultWriter)?
        while try old.step() {
            let importID = old.int(0)
            let outcomeText = old.text(4)
            guard let outcome = RowOutcome(rawValue: outcomeText) else {
                throw StoreError.corruptRecord(
                    "import \(importID) line \(old.int(1)): row outcome \(outcomeText)")
            }
            if writer?.importID != importID {
                try writer?.rows.finish()
                writer = (importID, try RowResultWriter(connection: connection, importID: importID))
            }
            try writer?.rows.record(
                RowResult(
                    line: Int(old.int(1)), email: old.text(2), status: old.text(3), outcome: outcome,
                    reason: old.text(5)))
        }
        try writer?.rows.finish()
        // SQLite refuses to drop a table a statement is still reading.
        old.reset()
        try connection.execute("DROP TABLE import_rows")
    }
}
