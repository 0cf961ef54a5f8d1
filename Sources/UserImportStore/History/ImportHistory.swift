import Foundation
import UserImportCore

/// The import history: one row per file, the per-row results, and the publish bookkeeping that
/// lets a restart finish what a crash interrupted.
public final class ImportHistory {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    static let columns = """
        id, file_name, path, sha256, size, owner_uid, received_at, started_at, finished_at, disposition,
        duplicate_of, error, encoding, delimiter, headers, warnings, rows_total,
        created, updated, unchanged, deleted, activated, ignored, rejected, work_name, publish_attempt
        """

    /// Inserts the import row at the start of the file's transaction (its id keys the row results).
    public func begin(
        workName: FileName, size: Int, ownerUID: UInt32?, receivedAt: Timestamp, startedAt: Timestamp
    ) throws -> Int64 {
        let statement = try connection.prepare(
            """
            INSERT INTO imports (file_name, work_name, sha256, size, owner_uid, received_at, started_at,
                                 finished_at, disposition)
            VALUES (?, ?, '', ?, ?, ?, ?, ?, 'failed')
            """)
        try statement.run(
            .text(workName.display), .blob(workName.bytes), .int(Int64(size)),
            .optionalInt(ownerUID.map(Int64.init)),
            .int(receivedAt.millisecondsSinceEpoch), .int(startedAt.millisecondsSinceEpoch),
            .int(startedAt.millisecondsSinceEpoch))
        return connection.lastInsertRowID
    }

    /// Completes the import row, still inside the file's transaction. `publishAttempt` picks the
    /// name in done/ or failed/ (see `FileName.publishedName`).
    public func finish(_ record: ImportRecord, publishAttempt: Int) throws {
        let summary = record.summary
        let encoder = JSONEncoder()
        let headers = String(decoding: try encoder.encode(summary.headers), as: UTF8.self)
        let warnings = String(decoding: try encoder.encode(summary.warnings), as: UTF8.self)
        let counts = summary.counts
        let statement = try connection.prepare(
            """
            UPDATE imports SET path = ?2, sha256 = ?3, size = ?4, finished_at = ?5, disposition = ?6,
                duplicate_of = ?7, error = ?8, encoding = ?9, delimiter = ?10, headers = ?11, warnings = ?12,
                rows_total = ?13, created = ?14, updated = ?15, unchanged = ?16, deleted = ?17, activated = ?18,
                ignored = ?19, rejected = ?20, publish_attempt = ?21
            WHERE id = ?1
            """)
        try statement.run(
            .int(record.id), .optionalText(record.path), .text(record.sha256), .int(Int64(record.size)),
            .int(record.finishedAt.millisecondsSinceEpoch), .text(record.disposition.rawValue),
            .optionalInt(record.duplicateOf), .optionalText(record.error),
            .optionalText(summary.encoding?.rawValue), .optionalText(summary.delimiter?.name), .text(headers),
            .text(warnings), .int(Int64(summary.rows)), .int(Int64(counts.created)),
            .int(Int64(counts.updated)),
            .int(Int64(counts.unchanged)), .int(Int64(counts.deleted)), .int(Int64(counts.activated)),
            .int(Int64(counts.ignored)), .int(Int64(counts.rejected)), .int(Int64(publishAttempt)))
    }

    /// Records a new name for done/failed when the chosen one was taken before the move.
    public func renamePublished(id: Int64, path: String, attempt: Int) throws {
        try connection.prepare("UPDATE imports SET path = ?, publish_attempt = ? WHERE id = ?").run(
            .text(path), .int(Int64(attempt)), .int(id))
    }

    /// The earlier successful import of the same bytes, if any.
    public func doneImport(sha256: String, excluding id: Int64? = nil) throws -> Int64? {
        try connection.scalar(
            "SELECT min(id) FROM imports WHERE disposition = 'done' AND sha256 = ? AND id != ?",
            .text(sha256),
            .int(id ?? -1))
    }

    /// Marks an import published. Not fsynced (synchronous=NORMAL for this one commit): if a power
    /// cut loses the flag, the reconciler finds the file already in place and sets it again.
    public func markPublished(id: Int64, path: String) throws {
        try connection.execute("PRAGMA synchronous = NORMAL")
        do {
            try connection.prepare("UPDATE imports SET published = 1, path = ? WHERE id = ?").run(
                .text(path), .int(id))
        } catch {
            try connection.execute("PRAGMA synchronous = FULL")
            throw error
        }
        // Every later commit must be durable again; failing to say so is an error, not a shrug.
        try connection.execute("PRAGMA synchronous = FULL")
    }

    public func record(id: Int64) throws -> ImportRecord? {
        let statement = try connection.prepare("SELECT \(Self.columns) FROM imports WHERE id = ?")
        try statement.bind(.int(id))
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return try Self.read(statement)
    }

    /// Imports committed but not yet moved to done/failed, with the file's name in the work folder.
    public func unpublished() throws -> [UnpublishedImport] {
        let statement = try connection.prepare(
            "SELECT \(Self.columns) FROM imports WHERE published = 0 ORDER BY id")
        var result: [UnpublishedImport] = []
        while try statement.step() {
            result.append(
                UnpublishedImport(
                    record: try Self.read(statement), workName: FileName(bytes: statement.blob(24)),
                    attempt: Int(statement.int(25))))
        }
        return result
    }

    /// Newest first.
    public func recent(limit: Int = 100, since: Timestamp? = nil, disposition: Disposition? = nil) throws
        -> [ImportRecord]
    {
        let statement = try connection.prepare(
            """
            SELECT \(Self.columns) FROM imports
            WHERE published = 1 AND received_at >= ?1 AND (?2 IS NULL OR disposition = ?2)
            ORDER BY id DESC LIMIT ?3
            """)
        try statement.bind(
            .int(since?.millisecondsSinceEpoch ?? 0), .optionalText(disposition?.rawValue), .int(Int64(limit))
        )
        var result: [ImportRecord] = []
        while try statement.step() { result.append(try Self.read(statement)) }
        return result
    }

    /// The newest published import of a file name (`report --file`), optionally with given bytes
    /// and newer than `after` (`submit --wait`).
    public func latest(fileName: String, sha256: String? = nil, after id: Int64 = 0) throws -> ImportRecord? {
        let statement = try connection.prepare(
            """
            SELECT \(Self.columns) FROM imports
            WHERE published = 1 AND file_name = ?1 AND (?2 IS NULL OR sha256 = ?2) AND id > ?3
            ORDER BY id DESC LIMIT 1
            """)
        try statement.bind(.text(fileName), .optionalText(sha256), .int(id))
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return try Self.read(statement)
    }

    /// The highest import id so far (0 when none).
    public func lastID() throws -> Int64 {
        try connection.scalar("SELECT max(id) FROM imports") ?? 0
    }

    /// How many imports were received since `time` (the "today" in the daemon's status).
    public func count(since time: Timestamp) throws -> Int {
        Int(
            try connection.scalar(
                "SELECT count(*) FROM imports WHERE received_at >= ?", .int(time.millisecondsSinceEpoch)) ?? 0
        )
    }

    /// The stored row results of one import, in line order, streamed from the database one
    /// chunk at a time.
    public func rows(importID: Int64) throws -> RowResultCursor {
        let statement = try connection.prepare(
            """
            SELECT first_line, row_count, rows FROM import_row_chunks
            WHERE import_id = ? ORDER BY first_line
            """)
        try statement.bind(.int(importID))
        return RowResultCursor(statement: statement)
    }

    static func read(_ s: SQLiteStatement) throws -> ImportRecord {
        var summary = ImportSummary()
        let decoder = JSONDecoder()
        summary.headers = try decoder.decode([HeaderReading].self, from: Data(s.text(14).utf8))
        summary.warnings = try decoder.decode([String].self, from: Data(s.text(15).utf8))
        summary.encoding = s.optionalText(12).flatMap(InputEncoding.init(rawValue:))
        summary.delimiter = s.optionalText(13).flatMap(Delimiter.init(name:))
        summary.rows = Int(s.int(16))
        summary.bytes = Int(s.int(4))
        for (offset, outcome) in RowOutcome.allCases.enumerated() {
            summary.counts[outcome] = Int(s.int(17 + Int32(offset)))
        }
        let dispositionText = s.text(9)
        guard let disposition = Disposition(rawValue: dispositionText) else {
            throw StoreError.corruptRecord("disposition \(dispositionText)")
        }
        return ImportRecord(
            id: s.int(0), fileName: s.text(1), path: s.optionalText(2), sha256: s.text(3),
            size: Int(s.int(4)),
            ownerUID: s.optionalInt(5).map { UInt32(truncatingIfNeeded: $0) },
            receivedAt: Timestamp(millisecondsSinceEpoch: s.int(6)),
            startedAt: Timestamp(millisecondsSinceEpoch: s.int(7)),
            finishedAt: Timestamp(millisecondsSinceEpoch: s.int(8)), disposition: disposition,
            duplicateOf: s.optionalInt(10), error: s.optionalText(11), summary: summary)
    }
}

/// A committed import whose file has not reached done/ or failed/ yet (a crash came between).
public struct UnpublishedImport {
    public var record: ImportRecord
    /// The file's name in the work folder, which is also its original name in the inbox.
    public var workName: FileName
    public var attempt: Int
}

/// Row results streamed from a statement over stored chunks (first_line, row_count, rows), one
/// chunk decoded at a time. Check `failure` after iterating: an iterator cannot throw.
public final class RowResultCursor: Sequence, IteratorProtocol {
    private let statement: SQLiteStatement
    private var chunk: [RowResult] = []
    private var position = 0
    private var ended = false
    public private(set) var failure: Error?

    init(statement: SQLiteStatement) {
        self.statement = statement
    }

    public func next() -> RowResult? {
        while position == chunk.count {
            guard !ended else { return nil }
            do {
                try readChunk()
            } catch {
                failure = error
                ended = true
                statement.reset()
                return nil
            }
        }
        defer { position += 1 }
        return chunk[position]
    }

    private func readChunk() throws {
        let lastLine = chunk.last?.line
        chunk = []
        position = 0
        guard try statement.step() else {
            ended = true
            statement.reset()
            return
        }
        let firstLine = statement.int(0)
        // Chunks must not overlap: each line is stored once.
        if let lastLine, firstLine <= Int64(lastLine) {
            throw StoreError.corruptRecord("row chunk at line \(firstLine) overlaps the one before")
        }
        chunk = try RowChunk.decode(statement.blob(2), firstLine: firstLine, rowCount: statement.int(1))
    }
}
