import UserImportCore

/// Keeps an import's row results inside its transaction, up to `rowsPerChunk` consecutive rows to
/// a stored chunk (see `RowChunk`; fewer once `RowChunkEncoder.bytesPerChunk` bytes are in).
///
/// Rows wait in memory until their chunk is full: `finish()` writes the rest. The importer calls
/// it at the end of every run, so the chunks are all in the database before the caller commits,
/// rolls back to a savepoint or keeps the rows of a failed file.
public struct RowResultWriter: RowResultSink {
    /// 1,024 rows: about 48 KB of the benchmark's data, a thousand inserts for a million rows.
    /// Chunks of 256, 1,024 and 4,096 rows imported a million rows equally fast (the inserts no
    /// longer count), so the size only bounds what the writer and the cursor hold: one chunk.
    public static let rowsPerChunk = 1024

    static let insertSQL =
        "INSERT INTO import_row_chunks (import_id, first_line, row_count, rows) VALUES (?, ?, ?, ?)"

    private let importID: Int64
    private let insert: SQLiteStatement
    private var chunk: RowChunkEncoder

    public init(database: ImportDatabase, importID: Int64) throws {
        try self.init(connection: database.connection, importID: importID)
    }

    init(connection: SQLiteConnection, importID: Int64) throws {
        self.importID = importID
        insert = try connection.prepare(Self.insertSQL)
        chunk = RowChunkEncoder(reservingCapacity: Self.rowsPerChunk * 64)
    }

    public mutating func record(_ result: RowResult) throws {
        try chunk.append(result)
        if chunk.isFull { try finish() }
    }

    public mutating func record(_ row: DecidedRowBytes) throws {
        try chunk.append(row)
        if chunk.isFull { try finish() }
    }

    /// Writes the rows not yet in a chunk. Recording may go on after it (a new chunk starts).
    public mutating func finish() throws {
        guard chunk.rowCount > 0 else { return }
        try insert.run(
            .int(importID), .int(Int64(chunk.firstLine)), .int(Int64(chunk.rowCount)), .blob(chunk.bytes))
        chunk.startNext()
    }
}
