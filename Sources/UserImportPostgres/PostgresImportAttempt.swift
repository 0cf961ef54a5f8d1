import UserImportCore

/// An import's attempt at a file inside its PostgreSQL transaction: the rows' changes, results and
/// emails go to the server, and `discard` rolls them back to the savepoint `PostgresImports` set.
/// The counterpart of the SQLite pipeline's attempt, question for question.
public struct PostgresImportAttempt: ImportAttempt {
    let connection: PostgresConnection
    let id: Int64
    let now: Timestamp

    public init(connection: PostgresConnection, id: Int64, now: Timestamp) {
        self.connection = connection
        self.id = id
        self.now = now
    }

    public mutating func read<Source: ByteSource>(
        _ source: inout Source, with importer: Importer, encoding: InputEncoding?
    ) throws -> ImportSummary {
        // The directory first: it takes the lock the outbox's ids rely on.
        var directory = try PostgresUserDirectory(connection: connection, importID: id, now: now)
        var outbox = PostgresOutbox(connection: connection, importID: id, now: now)
        var rows = PostgresRowResultWriter(connection: connection, importID: id)
        return try importer.run(
            source: &source, encoding: encoding, directory: &directory, outbox: &outbox, results: &rows)
    }

    public mutating func discard() throws {
        try connection.execute("ROLLBACK TO SAVEPOINT file_rows")
    }

    public mutating func listRows<Source: ByteSource>(
        _ source: inout Source, with importer: Importer, encoding: InputEncoding?
    ) throws {
        var directory = try PostgresDryRunDirectory(connection: connection)
        var outbox = NoNotifications()
        var rows = PostgresRowResultWriter(connection: connection, importID: id)
        _ = try importer.run(
            source: &source, encoding: encoding, directory: &directory, outbox: &outbox, results: &rows)
        try directory.discard()
    }

    public func hasDoneImport(size: Int) throws -> Bool {
        try PostgresImportHistory(connection: connection).doneImportExists(size: size, excluding: id)
    }

    public func earlierImport(sha256: String) throws -> Int64? {
        try PostgresImportHistory(connection: connection).doneImport(sha256: sha256, excluding: id)
    }

    public func summary(ofImport id: Int64) throws -> ImportSummary {
        try PostgresImportHistory(connection: connection).record(id: id)?.summary ?? ImportSummary()
    }

    /// Counted after the read, inside its savepoint, as on SQLite.
    public func existingUsersBefore(_ read: ImportSummary) throws -> Int {
        let text = try connection.scalar("SELECT count(*) FROM users WHERE state IN ('invited', 'active')")
        let now = Int(try PostgresImportHistory.int(text, "the count of users"))
        return now - read.counts.created + read.counts.deleted
    }

    public func releasedHold(sha256: String) throws -> Int64? {
        try PostgresImportHistory(connection: connection).pendingRelease(sha256: sha256)
    }

    public var importID: Int64? { id }
}

/// A file's import on PostgreSQL in ONE transaction holding the user changes, the history row,
/// every row's result and the queued emails, as the pipeline's on SQLite: the history row first,
/// the rows under a savepoint a file-level error, a duplicate or strict mode rolls back to.
public enum PostgresImports {
    /// Imports `input` (already checked and opened by the caller) and returns the committed record.
    public static func importFile<Source: RereadableSource>(
        _ input: ImportRun.Input<Source>, importer: Importer, connection: PostgresConnection,
        workName: FileName, size: Int, ownerUID: UInt32?, receivedAt: Timestamp, now: () -> Timestamp
    ) throws -> ImportRecord {
        let history = PostgresImportHistory(connection: connection)
        let startedAt = now()
        return try connection.transaction {
            let id = try history.begin(
                workName: workName, size: size, ownerUID: ownerUID, receivedAt: receivedAt,
                startedAt: startedAt)
            var record = ImportRecord(
                id: id, fileName: workName.display, path: nil, sha256: "", size: size, ownerUID: ownerUID,
                receivedAt: receivedAt, startedAt: startedAt, finishedAt: startedAt, disposition: .failed,
                duplicateOf: nil, error: nil, summary: ImportSummary())
            try connection.execute("SAVEPOINT file_rows")
            var attempt = PostgresImportAttempt(connection: connection, id: id, now: startedAt)
            let outcome = try ImportRun.run(input, importer: importer, attempt: &attempt)
            try connection.execute("RELEASE SAVEPOINT file_rows")
            record.sha256 = outcome.sha256 ?? ""
            record = outcome.fate.applied(to: record)
            record.finishedAt = now()
            try history.finish(record, publishAttempt: 0)
            return record
        }
    }
}
