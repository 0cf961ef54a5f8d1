import Foundation
import UserImportCore
import UserImportStore

/// The import history on PostgreSQL: one row per file and its row results, as `ImportHistory`
/// keeps them in SQLite (the same columns, the same chunk encoding).
public struct PostgresImportHistory {
    private let connection: PostgresConnection
    /// The daemon this history writes for (host and work folder): it publishes only its own imports.
    private let daemon: String?

    public init(connection: PostgresConnection, daemon: String? = nil) {
        self.connection = connection
        self.daemon = daemon
    }

    static let columns = """
        id, file_name, path, sha256, size, owner_uid, received_at, started_at, finished_at, disposition,
        duplicate_of, error, encoding, delimiter, headers, warnings, rows_total,
        created, updated, unchanged, deleted, activated, ignored, rejected,
        release_of, released_as, decided_by_uid, decided_by_name, decided_at, undo_of,
        (SELECT u.id FROM imports AS u WHERE u.undo_of = imports.id), rows_pruned_at, work_name, publish_attempt
        """

    /// Inserts the import row at the start of the file's transaction; its id, from the one
    /// sequence every daemon on the database draws from, keys the row results.
    public func begin(
        workName: FileName, size: Int, ownerUID: UInt32?, receivedAt: Timestamp, startedAt: Timestamp
    ) throws -> Int64 {
        let id = try connection.query(
            """
            INSERT INTO imports (file_name, work_name, sha256, size, owner_uid, received_at, started_at,
                                 finished_at, disposition, daemon)
            VALUES ($1, $2, '', $3, $4, $5, $6, $6, 'failed', $7) RETURNING id
            """,
            values: [
                .text(workName.display), .bytes(workName.bytes), .int(Int64(size)),
                .int(ownerUID.map(Int64.init)), .int(receivedAt.millisecondsSinceEpoch),
                .int(startedAt.millisecondsSinceEpoch), .text(daemon),
            ])
        return try Self.int(id.first?.first ?? nil, "the new import's id")
    }

    /// Completes the import row, still inside the file's transaction.
    public func finish(_ record: ImportRecord, publishAttempt: Int) throws {
        let summary = record.summary
        let encoder = JSONEncoder()
        let headers = String(decoding: try encoder.encode(summary.headers), as: UTF8.self)
        let warnings = String(decoding: try encoder.encode(summary.warnings), as: UTF8.self)
        let counts = summary.counts
        let decision = record.decision
        try connection.query(
            """
            UPDATE imports SET path = $2, sha256 = $3, size = $4, finished_at = $5, disposition = $6,
                duplicate_of = $7, error = $8, encoding = $9, delimiter = $10, headers = $11, warnings = $12,
                rows_total = $13, created = $14, updated = $15, unchanged = $16, deleted = $17, activated = $18,
                ignored = $19, rejected = $20, publish_attempt = $21, release_of = $22, released_as = $23,
                decided_by_uid = $24, decided_by_name = $25, decided_at = $26, undo_of = $27
            WHERE id = $1
            """,
            [
                String(record.id), record.path, record.sha256, String(record.size),
                String(record.finishedAt.millisecondsSinceEpoch), record.disposition.rawValue,
                record.duplicateOf.map(String.init), record.error, summary.encoding?.rawValue,
                summary.delimiter?.name, headers, warnings, String(summary.rows), String(counts.created),
                String(counts.updated), String(counts.unchanged), String(counts.deleted),
                String(counts.activated), String(counts.ignored), String(counts.rejected),
                String(publishAttempt), record.releaseOf.map(String.init), record.releasedAs.map(String.init),
                decision.map { String($0.byUID) }, decision?.byName,
                decision.map { String($0.at.millisecondsSinceEpoch) }, record.undoOf.map(String.init),
            ])
    }

    /// The earlier successful import of the same bytes, if any (an undone import and an undo do
    /// not count, as in SQLite).
    public func doneImport(sha256: String, excluding id: Int64? = nil) throws -> Int64? {
        let text = try connection.scalar(
            """
            SELECT min(id) FROM imports AS i WHERE disposition = 'done' AND sha256 = $1 AND id != $2
                AND undo_of IS NULL AND NOT EXISTS (SELECT 1 FROM imports AS u WHERE u.undo_of = i.id)
            """,
            [sha256, String(id ?? -1)])
        return try text.map { try Self.int($0, "an import id") }
    }

    /// Whether an earlier done import had `size` bytes: only then is a file hashed before it is read.
    public func doneImportExists(size: Int, excluding id: Int64? = nil) throws -> Bool {
        try connection.scalar(
            """
            SELECT EXISTS (SELECT 1 FROM imports WHERE disposition = 'done' AND size = $1 AND id != $2
                AND undo_of IS NULL)
            """,
            [String(size), String(id ?? -1)]) == "t"
    }

    /// The held import with these bytes whose release is pending, if any.
    public func pendingRelease(sha256: String) throws -> Int64? {
        let text = try connection.scalar(
            """
            SELECT h.import_id FROM held_actions AS h JOIN imports AS i ON i.id = h.import_id
            WHERE h.action = 'release' AND i.sha256 = $1 AND i.disposition = 'held' AND i.released_as IS NULL
            ORDER BY h.import_id LIMIT 1
            """,
            [sha256])
        return try text.map { try Self.int($0, "an import id") }
    }

    /// Where an import's file is published, or was to be: its work name and publish attempt.
    public func placement(id: Int64) throws -> UnpublishedImport? {
        try connection.query("SELECT \(Self.columns) FROM imports WHERE id = $1", [String(id)]).first.map(
            Self.placement)
    }

    /// Imports committed but not yet moved to done/failed, with the file's name in the work folder.
    public func unpublished() throws -> [UnpublishedImport] {
        try connection.query(
            """
            SELECT \(Self.columns) FROM imports
            WHERE NOT published AND daemon IS NOT DISTINCT FROM $1 ORDER BY imports.id
            """,
            [daemon]
        ).map(Self.placement)
    }

    /// Records a new name for done/failed when the chosen one was taken before the move.
    public func renamePublished(id: Int64, path: String, attempt: Int) throws {
        try connection.query(
            "UPDATE imports SET path = $2, publish_attempt = $3 WHERE id = $1",
            [String(id), path, String(attempt)])
    }

    public func markPublished(id: Int64, path: String) throws {
        try connection.query(
            "UPDATE imports SET published = true, path = $2 WHERE id = $1", [String(id), path])
    }

    /// Marks an import unpublished again, for a held file on its way to failed/.
    public func markUnpublished(id: Int64) throws {
        try connection.query("UPDATE imports SET published = false WHERE id = $1", [String(id)])
    }

    public func isBeingPublished(path: String) throws -> Bool {
        try connection.scalar("SELECT count(*) FROM imports WHERE NOT published AND path = $1", [path]) != "0"
    }

    /// How many imports were received since `time`.
    public func count(since time: Timestamp) throws -> Int {
        Int(
            try Self.int(
                try connection.scalar(
                    "SELECT count(*) FROM imports WHERE received_at >= $1",
                    [String(time.millisecondsSinceEpoch)]),
                "a count"))
    }

    static func placement(_ row: [String?]) throws -> UnpublishedImport {
        let record = try Self.record(row)
        return UnpublishedImport(
            record: record, workName: FileName(bytes: try PostgresConnection.bytes(row[32])),
            destination: Destination(recordedPath: record.path ?? ""),
            attempt: Int(try Self.int(row[33], "a publish attempt")))
    }

    public func record(id: Int64) throws -> ImportRecord? {
        try connection.query("SELECT \(Self.columns) FROM imports WHERE id = $1", [String(id)]).first.map(
            Self.record)
    }

    /// An import's row results in line order, read a few chunks at a time, each checked as the
    /// SQLite history checks it (the same cursor reads both).
    public func rows(importID: Int64, skipping: Int = 0) -> RowResultCursor {
        RowResultCursor(
            chunks: PostgresRowChunks(connection: connection, importID: importID), skipping: skipping,
            keeping: nil)
    }

    /// Those whose outcome `keeping` accepts (the rows to fix).
    public func rows(importID: Int64, keeping: @escaping (RowOutcome) -> Bool) -> RowResultCursor {
        RowResultCursor(
            chunks: PostgresRowChunks(connection: connection, importID: importID), skipping: 0,
            keeping: keeping)
    }

    /// Files the mass-change guard holds, waiting for a decision, oldest first.
    public func heldWaiting() throws -> [ImportRecord] {
        try connection.query(
            """
            SELECT \(Self.columns) FROM imports
            WHERE disposition = 'held' AND released_as IS NULL AND published ORDER BY imports.id
            """
        ).map(Self.record)
    }

    public func isPublished(id: Int64) throws -> Bool {
        try connection.scalar("SELECT published FROM imports WHERE id = $1", [String(id)]) == "t"
    }

    /// Published imports, newest first, as the SQLite history lists them.
    public func forEachRecent(
        _ query: HistoryQuery = HistoryQuery(), offset: Int = 0, limit: Int? = nil,
        _ body: (ImportRecord) throws -> Void
    ) throws {
        // A page at a time by id, so years of imports are never one result in memory.
        var below = Int64.max
        try KeysetPages.read(offset: offset, limit: limit) { page, skip in
            let rows = try connection.query(
                "SELECT \(Self.columns) FROM imports WHERE \(Self.condition) AND imports.id < $6 "
                    + "ORDER BY imports.id DESC LIMIT $7 OFFSET $8",
                Self.bindings(query) + [String(below), String(page), String(skip)])
            for row in rows {
                let record = try Self.record(row)
                below = record.id
                try body(record)
            }
            return rows.count
        }
    }

    public func count(_ query: HistoryQuery) throws -> Int {
        Int(
            try Self.int(
                try connection.scalar(
                    "SELECT count(*) FROM imports WHERE \(Self.condition)", Self.bindings(query)),
                "a count"))
    }

    public func lastID() throws -> Int64 {
        try connection.scalar("SELECT max(id) FROM imports").map { try Self.int($0, "an import id") } ?? 0
    }

    /// `HistoryQuery`'s filter, with its five parameters first.
    static let condition = """
        published AND received_at >= $1::bigint AND ($2::text IS NULL OR disposition = $2)
        AND ($3::text IS NULL OR file_name = $3) AND ($4::text IS NULL OR sha256 = $4) AND imports.id > $5::bigint
        """

    static func bindings(_ query: HistoryQuery) -> [String?] {
        [
            String(query.since?.millisecondsSinceEpoch ?? 0), query.disposition?.rawValue, query.fileName,
            query.sha256, String(query.afterID),
        ]
    }

    /// A row selected with `columns`; the database is read as outside data.
    static func record(_ row: [String?]) throws -> ImportRecord {
        guard row.count == 34 else {
            throw PostgresError(.data, message: "an imports row without its columns")
        }
        func int(_ index: Int) throws -> Int64 { try Self.int(row[index], "imports column \(index + 1)") }
        func optionalInt(_ index: Int) throws -> Int64? {
            try row[index].map { try Self.int($0, "imports column \(index + 1)") }
        }
        func text(_ index: Int) throws -> String {
            guard let text = row[index] else {
                throw PostgresError(.data, message: "imports column \(index + 1) is NULL")
            }
            return text
        }
        var summary = ImportSummary()
        let decoder = JSONDecoder()
        do {
            summary.headers = try decoder.decode([HeaderReading].self, from: Data(try text(14).utf8))
            summary.warnings = try decoder.decode([String].self, from: Data(try text(15).utf8))
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(.data, message: "import \(row[0] ?? "?"): headers or warnings are not JSON")
        }
        summary.encoding = row[12].flatMap(InputEncoding.init(rawValue:))
        summary.delimiter = row[13].flatMap(Delimiter.init(name:))
        summary.rows = Int(try int(16))
        summary.bytes = Int(try int(4))
        for (offset, outcome) in RowOutcome.allCases.enumerated() {
            summary.counts[outcome] = Int(try int(17 + offset))
        }
        let dispositionText = try text(9)
        guard let disposition = Disposition(rawValue: dispositionText) else {
            throw PostgresError(.data, message: "import \(row[0] ?? "?") has disposition \(dispositionText)")
        }
        var record = ImportRecord(
            id: try int(0), fileName: try text(1), path: row[2], sha256: try text(3), size: Int(try int(4)),
            ownerUID: try optionalInt(5).map { UInt32(truncatingIfNeeded: $0) },
            receivedAt: Timestamp(millisecondsSinceEpoch: try int(6)),
            startedAt: Timestamp(millisecondsSinceEpoch: try int(7)),
            finishedAt: Timestamp(millisecondsSinceEpoch: try int(8)), disposition: disposition,
            duplicateOf: try optionalInt(10), error: row[11], summary: summary)
        record.releaseOf = try optionalInt(24)
        record.releasedAs = try optionalInt(25)
        record.undoOf = try optionalInt(29)
        record.undoneBy = try optionalInt(30)
        record.rowsPrunedAt = try optionalInt(31).map(Timestamp.init(millisecondsSinceEpoch:))
        if let uid = try optionalInt(26), let at = try optionalInt(28) {
            record.decision = HeldDecision(
                byUID: UInt32(truncatingIfNeeded: uid), byName: row[27],
                at: Timestamp(millisecondsSinceEpoch: at))
        }
        return record
    }

    static func int(_ text: String?, _ what: String) throws -> Int64 {
        guard let text, let value = Int64(text) else {
            throw PostgresError(.data, message: "\(what) is \(text ?? "NULL"), not a number")
        }
        return value
    }
}

/// An import's row results on PostgreSQL, inside its transaction: chunks of up to
/// `RowResultWriter.rowsPerChunk` rows (fewer once `RowChunkEncoder.bytesPerChunk` bytes are in),
/// encoded as the SQLite history encodes them.
///
/// Chunks are sent 32 at a time, or 8 MiB, by one COPY that is not waited for (`BufferedCopy`).
public struct PostgresRowResultWriter: RowResultSink {
    private let connection: PostgresConnection
    private let importID: Int64
    private var chunk = RowChunkEncoder(reservingCapacity: RowResultWriter.rowsPerChunk * 64)
    private var chunks = BufferedCopy(
        "COPY import_row_chunks (import_id, first_line, row_count, rows) FROM STDIN", rowsPerCopy: 32)

    public init(connection: PostgresConnection, importID: Int64) {
        self.connection = connection
        self.importID = importID
    }

    public mutating func record(_ result: RowResult) throws {
        try chunk.append(result)
        try closeWhenFull()
    }

    public mutating func record(_ row: DecidedRowBytes) throws {
        try chunk.append(row)
        try closeWhenFull()
    }

    private mutating func closeWhenFull() throws {
        if chunk.isFull {
            closeChunk()
            try chunks.sendWhenFull(on: connection)
        }
    }

    public mutating func finish() throws {
        closeChunk()
        try chunks.send(on: connection)
    }

    private mutating func closeChunk() {
        guard chunk.rowCount > 0 else { return }
        chunks.rows.field(importID)
        chunks.rows.field(Int64(chunk.firstLine))
        chunks.rows.field(Int64(chunk.rowCount))
        chunks.rows.field(bytea: chunk.bytes)
        chunks.rows.endRow()
        chunk.startNext()
    }
}

/// An import's row chunks on PostgreSQL, fetched `pageSize` at a time in line order, so a report
/// of a million rows holds a few chunks, not the import.
final class PostgresRowChunks: StoredRowChunks {
    private let connection: PostgresConnection
    private let importID: Int64
    private let pageSize: Int
    private var page: [[String?]] = []
    private var position = -1
    private var after: Int64 = .min
    private var exhausted = false

    init(connection: PostgresConnection, importID: Int64, pageSize: Int = 32) {
        self.connection = connection
        self.importID = importID
        self.pageSize = max(1, pageSize)
    }

    /// What one page of chunks may hold past its first chunk: a chunk of big rejected rows is a
    /// megabyte or more, and a page arrives as hex, then as strings.
    static let pageBytes = 8 << 20

    /// Import `importID`'s chunks after line `after`, in line order: at most `limit`, and past the
    /// first no more than `pageBytes` of them; with how many the limit alone would have given (a
    /// page cut short by its bytes is not the last).
    static func page(
        _ connection: PostgresConnection, importID: Int64, after: Int64, limit: Int
    ) throws -> (chunks: [[String?]], fetched: Int) {
        let rows = try connection.query(
            """
            SELECT first_line, row_count, rows, fetched FROM (
                SELECT first_line, row_count, rows, count(*) OVER () AS fetched,
                    sum(octet_length(rows)) OVER (ORDER BY first_line) - octet_length(rows) AS before
                FROM (SELECT first_line, row_count, rows FROM import_row_chunks
                      WHERE import_id = $1 AND first_line > $2 ORDER BY first_line LIMIT $3) AS limited
            ) AS sized
            WHERE before < $4 ORDER BY first_line
            """,
            [String(importID), String(after), String(limit), String(pageBytes)])
        let fetched = try rows.first.map {
            Int(try PostgresImportHistory.int($0.last ?? nil, "a page's count"))
        }
        return (rows.map { Array($0.prefix(3)) }, fetched ?? 0)
    }

    func step() throws -> (firstLine: Int64, rowCount: Int64)? {
        position += 1
        if position >= page.count {
            guard !exhausted else { return nil }
            let next = try Self.page(connection, importID: importID, after: after, limit: pageSize)
            page = next.chunks
            position = 0
            // Every chunk left was fetched, and none held back for its bytes.
            exhausted = next.fetched < pageSize && next.chunks.count == next.fetched
            guard !page.isEmpty else { return nil }
        }
        let row = page[position]
        guard row.count == 3 else { throw PostgresError(.data, message: "a row chunk without its columns") }
        let firstLine = try PostgresImportHistory.int(row[0], "a chunk's first line")
        after = firstLine
        return (firstLine, try PostgresImportHistory.int(row[1], "a chunk's row count"))
    }

    func bytes() throws -> [UInt8] {
        guard position >= 0, position < page.count else {
            throw PostgresError(.data, message: "no row chunk to read")
        }
        return try PostgresConnection.bytes(page[position][2])
    }

    func close() {
        page = []
        exhausted = true
    }
}

extension PostgresImportHistory: HistoryReading {}

extension PostgresImportHistory: PublishingHistory {}
