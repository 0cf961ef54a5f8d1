/// Migration 4's step: every row of `import_rows` into chunks, then the old table dropped.
///
/// Frozen as shipped: it writes chunks of format 1 with its own copy of the encoder, the outcome
/// codes and the chunk size as they were when migration 4 was released. Live code (`RowChunk`,
/// `RowResultWriter`, `RowOutcome`) may change; a database still at version 3 must migrate to
/// exactly what version 4 meant, and a later migration carries it on from there.
enum RowChunkMigration {
    /// Streams the old rows in key order, so memory holds one chunk whatever the history's size.
    /// A row that cannot be read stops the migration (and its transaction rolls back).
    static func carryRowsIntoChunks(_ connection: SQLiteConnection) throws {
        let old = try connection.prepare(
            "SELECT import_id, line, email, status, outcome, reason FROM import_rows ORDER BY import_id, line"
        )
        let insert = try connection.prepare(
            "INSERT INTO import_row_chunks (import_id, first_line, row_count, rows) VALUES (?, ?, ?, ?)")
        var chunk: Chunk?
        func write(_ chunk: Chunk) throws {
            guard chunk.rowCount > 0 else { return }
            try insert.run(
                .int(chunk.importID), .int(chunk.firstLine), .int(Int64(chunk.rowCount)), .blob(chunk.bytes))
        }
        while try old.step() {
            let importID = old.int(0)
            let line = old.int(1)
            let outcomeText = old.text(4)
            // The old key (import_id, line) makes lines rise within an import; a negative one is damage.
            guard line >= 0 else { throw StoreError.corruptRecord("import \(importID): row line \(line)") }
            guard let code = outcomeCodes[outcomeText] else {
                throw StoreError.corruptRecord("import \(importID) line \(line): row outcome \(outcomeText)")
            }
            if let open = chunk, open.importID != importID || open.rowCount == rowsPerChunk {
                try write(open)
                chunk = nil
            }
            if chunk == nil { chunk = Chunk(importID: importID, firstLine: line) }
            chunk?.append(
                line: line, code: code, email: old.text(2), status: old.text(3), reason: old.text(5))
        }
        if let open = chunk { try write(open) }
        // SQLite refuses to drop a table a statement is still reading.
        old.reset()
        try connection.execute("DROP TABLE import_rows")
    }

    static let rowsPerChunk = 1024
    static let format: UInt8 = 1
    static let outcomeCodes: [String: UInt8] = [
        "created": 0, "updated": 1, "unchanged": 2, "deleted": 3, "activated": 4, "ignored": 5, "rejected": 6,
    ]

    /// One chunk of format 1: the format byte, then per row the line (the first as itself, each
    /// later one as its distance from the one before), the outcome byte, and email, status and
    /// reason each as a byte count and UTF-8; numbers as LEB128 varints.
    struct Chunk {
        let importID: Int64
        let firstLine: Int64
        var bytes: [UInt8] = [RowChunkMigration.format]
        var rowCount = 0
        private var lastLine: Int64 = 0

        init(importID: Int64, firstLine: Int64) {
            self.importID = importID
            self.firstLine = firstLine
        }

        mutating func append(line: Int64, code: UInt8, email: String, status: String, reason: String) {
            Self.appendVarint(UInt64(rowCount == 0 ? line : line - lastLine), to: &bytes)
            lastLine = line
            bytes.append(code)
            for text in [email, status, reason] {
                Self.appendVarint(UInt64(text.utf8.count), to: &bytes)
                bytes.append(contentsOf: text.utf8)
            }
            rowCount += 1
        }

        static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
            var rest = value
            while rest >= 0x80 {
                bytes.append(UInt8(rest & 0x7F) | 0x80)
                rest >>= 7
            }
            bytes.append(UInt8(rest))
        }
    }
}
