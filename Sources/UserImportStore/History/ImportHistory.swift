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
        created, updated, unchanged, deleted, activated, ignored, rejected, work_name, publish_attempt,
        release_of, released_as, decided_by_uid, decided_by_name, decided_at, undo_of,
        (SELECT u.id FROM imports AS u WHERE u.undo_of = imports.id), rows_pruned_at
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
                ignored = ?19, rejected = ?20, publish_attempt = ?21, release_of = ?22, released_as = ?23,
                decided_by_uid = ?24, decided_by_name = ?25, decided_at = ?26, undo_of = ?27
            WHERE id = ?1
            """)
        let decision = record.decision
        try statement.run(
            .int(record.id), .optionalText(record.path), .text(record.sha256), .int(Int64(record.size)),
            .int(record.finishedAt.millisecondsSinceEpoch), .text(record.disposition.rawValue),
            .optionalInt(record.duplicateOf), .optionalText(record.error),
            .optionalText(summary.encoding?.rawValue), .optionalText(summary.delimiter?.name), .text(headers),
            .text(warnings), .int(Int64(summary.rows)), .int(Int64(counts.created)),
            .int(Int64(counts.updated)),
            .int(Int64(counts.unchanged)), .int(Int64(counts.deleted)), .int(Int64(counts.activated)),
            .int(Int64(counts.ignored)), .int(Int64(counts.rejected)), .int(Int64(publishAttempt)),
            .optionalInt(record.releaseOf), .optionalInt(record.releasedAs),
            .optionalInt(decision.map { Int64($0.byUID) }), .optionalText(decision?.byName),
            .optionalInt(decision?.at.millisecondsSinceEpoch), .optionalInt(record.undoOf))
    }

    /// Records a new name for done/failed when the chosen one was taken before the move.
    public func renamePublished(id: Int64, path: String, attempt: Int) throws {
        try connection.prepare("UPDATE imports SET path = ?, publish_attempt = ? WHERE id = ?").run(
            .text(path), .int(Int64(attempt)), .int(id))
    }

    /// The earlier successful import of the same bytes, if any.
    public func doneImport(sha256: String, excluding id: Int64? = nil) throws -> Int64? {
        // An undone import no longer counts: its file may be imported again (the way to redo it).
        // Nor does an undo: its request file's bytes (none) are no file's.
        try connection.scalar(
            """
            SELECT min(id) FROM imports AS i WHERE disposition = 'done' AND sha256 = ? AND id != ?
                AND undo_of IS NULL AND NOT EXISTS (SELECT 1 FROM imports AS u WHERE u.undo_of = i.id)
            """,
            .text(sha256),
            .int(id ?? -1))
    }

    /// Whether an earlier done import had `size` bytes: only then can a file be a duplicate, and
    /// only then is it hashed before it is read.
    public func doneImportExists(size: Int, excluding id: Int64? = nil) throws -> Bool {
        try connection.scalar(
            """
            SELECT EXISTS (SELECT 1 FROM imports WHERE disposition = 'done' AND size = ? AND id != ?
                AND undo_of IS NULL)
            """,
            .int(Int64(size)), .int(id ?? -1)) == 1
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
        try placement(id: id)?.record
    }

    /// Imports committed but not yet moved to done/failed, with the file's name in the work folder.
    public func unpublished() throws -> [UnpublishedImport] {
        let statement = try connection.prepare(
            "SELECT \(Self.columns) FROM imports WHERE published = 0 ORDER BY id")
        var result: [UnpublishedImport] = []
        while try statement.step() { result.append(try Self.placement(statement)) }
        return result
    }

    /// Where an import's file is published, or was to be: its work name and publish attempt.
    public func placement(id: Int64) throws -> UnpublishedImport? {
        let statement = try connection.prepare("SELECT \(Self.columns) FROM imports WHERE id = ?")
        try statement.bind(.int(id))
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return try Self.placement(statement)
    }

    /// Whether an import's file has reached its folder.
    public func isPublished(id: Int64) throws -> Bool {
        try connection.scalar("SELECT published FROM imports WHERE id = ?", .int(id)) == 1
    }

    /// Marks an import unpublished again, for a held file on its way to failed/.
    public func markUnpublished(id: Int64) throws {
        try connection.prepare("UPDATE imports SET published = 0 WHERE id = ?").run(.int(id))
    }

    static func placement(_ statement: SQLiteStatement) throws -> UnpublishedImport {
        let record = try read(statement)
        return UnpublishedImport(
            record: record, workName: FileName(bytes: statement.blob(24)),
            destination: Destination(recordedPath: record.path ?? ""), attempt: Int(statement.int(25)))
    }

    public func forEachRecent(
        _ query: HistoryQuery = HistoryQuery(), offset: Int = 0, limit: Int? = nil,
        _ body: (ImportRecord) throws -> Void
    ) throws {
        let statement = try connection.prepare(
            "SELECT \(Self.columns) FROM imports WHERE \(HistoryQuery.condition) ORDER BY id DESC LIMIT ?6 OFFSET ?7"
        )
        try statement.bind(query.bindings + [.int(limit.map(Int64.init) ?? -1), .int(Int64(max(0, offset)))])
        defer { statement.reset() }
        while try statement.step() { try body(try Self.read(statement)) }
    }

    /// How many imports `recent` would list without offset and limit.
    public func count(_ query: HistoryQuery) throws -> Int {
        Int(
            try connection.scalar(
                "SELECT count(*) FROM imports WHERE \(HistoryQuery.condition)", query.bindings) ?? 0)
    }

    public func lastID() throws -> Int64 {
        try connection.scalar("SELECT max(id) FROM imports") ?? 0
    }

    public func isBeingPublished(path: String) throws -> Bool {
        let unpublished = try connection.scalar(
            "SELECT count(*) FROM imports WHERE published = 0 AND path = ?", .text(path))
        return (unpublished ?? 0) > 0
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
    public func rows(importID: Int64, skipping skipped: Int = 0) throws -> RowResultCursor {
        let statement = try connection.prepare(
            """
            SELECT first_line, row_count, rows FROM import_row_chunks
            WHERE import_id = ? ORDER BY first_line
            """)
        try statement.bind(.int(importID))
        return RowResultCursor(statement: statement, skipping: skipped)
    }

    /// The import's row results whose outcome `keeping` accepts, in line order; every stored row
    /// is still read and checked, but only those kept are made (the rows to fix of a million-row
    /// import are a few of them).
    public func rows(importID: Int64, keeping: @escaping (RowOutcome) -> Bool) throws -> RowResultCursor {
        let cursor = try rows(importID: importID)
        cursor.keeping = keeping
        return cursor
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
        var record = ImportRecord(
            id: s.int(0), fileName: s.text(1), path: s.optionalText(2), sha256: s.text(3),
            size: Int(s.int(4)),
            ownerUID: s.optionalInt(5).map { UInt32(truncatingIfNeeded: $0) },
            receivedAt: Timestamp(millisecondsSinceEpoch: s.int(6)),
            startedAt: Timestamp(millisecondsSinceEpoch: s.int(7)),
            finishedAt: Timestamp(millisecondsSinceEpoch: s.int(8)), disposition: disposition,
            duplicateOf: s.optionalInt(10), error: s.optionalText(11), summary: summary)
        record.releaseOf = s.optionalInt(26)
        record.releasedAs = s.optionalInt(27)
        record.undoOf = s.optionalInt(31)
        record.undoneBy = s.optionalInt(32)
        record.rowsPrunedAt = s.optionalInt(33).map(Timestamp.init(millisecondsSinceEpoch:))
        if let uid = s.optionalInt(28), let at = s.optionalInt(30) {
            record.decision = HeldDecision(
                byUID: UInt32(truncatingIfNeeded: uid), byName: s.optionalText(29),
                at: Timestamp(millisecondsSinceEpoch: at))
        }
        return record
    }
}

/// A committed import whose file has not reached done/ or failed/ yet: just committed, or a crash
/// came between.
public struct UnpublishedImport: Sendable {
    public var record: ImportRecord
    /// The file's name in the work folder, which is also its original name in the inbox.
    public var workName: FileName
    /// Chosen when the import committed, and kept: the policy may change before it is published.
    public var destination: Destination
    /// Which of the names `FileName.publishedName(importID:attempt:)` gives it is published under.
    public var attempt: Int

    public init(record: ImportRecord, workName: FileName, destination: Destination, attempt: Int) {
        self.record = record
        self.workName = workName
        self.destination = destination
        self.attempt = attempt
    }

    /// The name of the file in its destination, and the path the history records.
    public var publishedName: FileName { workName.publishedName(importID: record.id, attempt: attempt) }
    public var recordedPath: String { destination.recordedPath(of: publishedName) }
}

/// An import's stored row chunks in line order, as a store hands them to `RowResultCursor`: the
/// next chunk's first line and row count, and its bytes only when asked (a chunk passed over is
/// never read).
public protocol StoredRowChunks: AnyObject {
    /// Moves to the next chunk; nil at the end.
    func step() throws -> (firstLine: Int64, rowCount: Int64)?
    /// The bytes of the chunk `step` moved to.
    func bytes() throws -> [UInt8]
    /// Lets go of what the reading holds (a statement, a result), at the end or on a failure.
    func close()
}

/// A SELECT of (first_line, row_count, rows) over `import_row_chunks`.
final class SQLiteRowChunks: StoredRowChunks {
    private let statement: SQLiteStatement

    init(_ statement: SQLiteStatement) {
        self.statement = statement
    }

    func step() throws -> (firstLine: Int64, rowCount: Int64)? {
        guard try statement.step() else { return nil }
        return (statement.int(0), statement.int(1))
    }

    func bytes() throws -> [UInt8] { statement.blob(2) }

    func close() { statement.reset() }
}

/// Row results streamed from a store's chunks (`StoredRowChunks`), one chunk decoded at a time.
/// Check `failure` after iterating: an iterator cannot throw.
public final class RowResultCursor: Sequence, IteratorProtocol {
    private let chunks: any StoredRowChunks
    private var chunk: [RowResult] = []
    private var position = 0
    private var ended = false
    public private(set) var failure: Error?
    /// Set once a chunk read (not passed over) was written before row results kept their previous
    /// user (formats 1 and 2): its rows cannot be undone, a re-creation looks like a creation there
    /// and an update has nothing to go back to.
    public private(set) var lacksPrevious = false

    /// Rows still to pass over before the first one returned: whole chunks are passed over
    /// undecoded, so a report's last page costs no more than its first.
    private var skipping: Int
    /// Only rows with an outcome this accepts are returned (set before the first `next()`, with
    /// nothing to skip).
    fileprivate var keeping: ((RowOutcome) -> Bool)?
    /// The last line of the chunk read before, whether or not its last row was kept.
    private var lastChunkLine: Int64?

    init(statement: SQLiteStatement, skipping: Int = 0) {
        self.chunks = SQLiteRowChunks(statement)
        self.skipping = Swift.max(0, skipping)
    }

    /// Over another store's chunks; `keeping` as `ImportHistory.rows(importID:keeping:)` takes it.
    public init(chunks: any StoredRowChunks, skipping: Int = 0, keeping: ((RowOutcome) -> Bool)? = nil) {
        self.chunks = chunks
        self.skipping = Swift.max(0, skipping)
        self.keeping = keeping
    }

    public func next() -> RowResult? {
        while position == chunk.count {
            guard !ended else { return nil }
            do {
                try readChunk()
            } catch {
                failure = error
                ended = true
                chunks.close()
                return nil
            }
        }
        defer { position += 1 }
        return chunk[position]
    }

    /// Appends the report lines (`ReportText.appendLine`) of the next stored chunk's rows to
    /// `bytes`, made from the stored bytes without a `RowResult` of each; false at the end, or
    /// on a failure (then `failure` is set). For a cursor that skips nothing and whose `next()`
    /// is not called.
    public func appendReportLines(to bytes: inout [UInt8]) -> Bool {
        guard !ended else { return false }
        do {
            guard let (firstLine, rowCount) = try stepChunk(after: lastChunkLine) else { return false }
            let blob = try chunks.bytes()
            lastChunkLine = Int64(
                try RowChunk.appendReportLines(blob, firstLine: firstLine, rowCount: rowCount, to: &bytes))
            noteFormat(of: blob)
            return true
        } catch {
            failure = error
            ended = true
            chunks.close()
            return false
        }
    }

    private func readChunk() throws {
        let lastLine = lastChunkLine ?? chunk.last.map { Int64($0.line) }
        chunk = []
        position = 0
        guard let (firstLine, rowCount) = try stepChunk(after: lastLine) else { return }
        if skipping > 0, rowCount >= 0, rowCount <= Int64(skipping) {
            skipping -= Int(rowCount)
            return
        }
        let bytes = try chunks.bytes()
        if let keeping {
            let kept = try RowChunk.decode(bytes, firstLine: firstLine, rowCount: rowCount, keeping: keeping)
            chunk = kept.rows
            lastChunkLine = Int64(kept.lastLine)
        } else {
            chunk = try RowChunk.decode(bytes, firstLine: firstLine, rowCount: rowCount)
        }
        noteFormat(of: bytes)
        position = Swift.min(skipping, chunk.count)
        skipping -= position
    }

    /// Steps to the next stored chunk: its first line and row count (its bytes are column 2), or
    /// nil at the end. Chunks must not overlap: each line is stored once.
    private func stepChunk(after lastLine: Int64?) throws -> (firstLine: Int64, rowCount: Int64)? {
        guard let (firstLine, rowCount) = try chunks.step() else {
            ended = true
            chunks.close()
            return nil
        }
        if let lastLine, firstLine <= lastLine {
            throw StoreError.corruptRecord("row chunk at line \(firstLine) overlaps the one before")
        }
        return (firstLine, rowCount)
    }

    /// Sets `lacksPrevious` for a chunk in a format without previous users.
    private func noteFormat(of bytes: [UInt8]) {
        if let format = bytes.first, !RowChunk.holdsPrevious(format: format) { lacksPrevious = true }
    }
}

/// Which published imports a history listing shows; every filter is optional.
public struct HistoryQuery: Sendable {
    /// Received on or after.
    public var since: Timestamp?
    public var disposition: Disposition?
    /// The original file name, exactly.
    public var fileName: String?
    public var sha256: String?
    /// Only imports with a higher id (what a submitter waits for).
    public var afterID: Int64 = 0

    public init(
        since: Timestamp? = nil, disposition: Disposition? = nil, fileName: String? = nil,
        sha256: String? = nil, afterID: Int64 = 0
    ) {
        self.since = since
        self.disposition = disposition
        self.fileName = fileName
        self.sha256 = sha256
        self.afterID = afterID
    }

    /// Whether any filter is set (a listing that finds nothing then says "match", not "yet").
    public var isFiltered: Bool {
        since != nil || disposition != nil || fileName != nil || sha256 != nil || afterID > 0
    }

    static let condition = """
        published = 1 AND received_at >= ?1 AND (?2 IS NULL OR disposition = ?2)
        AND (?3 IS NULL OR file_name = ?3) AND (?4 IS NULL OR sha256 = ?4) AND id > ?5
        """

    var bindings: [SQLiteValue] {
        [
            .int(since?.millisecondsSinceEpoch ?? 0), .optionalText(disposition?.rawValue),
            .optionalText(fileName), .optionalText(sha256), .int(afterID),
        ]
    }
}
