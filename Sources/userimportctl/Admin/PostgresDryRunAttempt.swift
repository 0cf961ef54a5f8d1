import UserImportCore
import UserImportPostgres
import UserImportStore

/// A dry run on the server, as `DryRunAttempt` is on the file: changes in a TEMP-table overlay
/// (inside a transaction `validate` rolls back), no emails, rows in memory.
struct PostgresDryRunAttempt: CollectingAttempt {
    let connection: PostgresConnection
    var rows = CollectedRows()

    mutating func read<Source: ByteSource>(
        _ source: inout Source, with importer: Importer, encoding: InputEncoding?
    ) throws -> ImportSummary {
        var directory = try PostgresDryRunDirectory(connection: connection)
        var outbox = NoNotifications()
        return try importer.run(
            source: &source, encoding: encoding, directory: &directory, outbox: &outbox, results: &rows)
    }

    mutating func discard() throws {
        rows = CollectedRows()
        try PostgresDryRunDirectory(connection: connection).discard()
    }

    mutating func listRows<Source: ByteSource>(
        _ source: inout Source, with importer: Importer, encoding: InputEncoding?
    ) throws {
        _ = try read(&source, with: importer, encoding: encoding)
    }

    func hasDoneImport(size: Int) throws -> Bool {
        try PostgresImportHistory(connection: connection).doneImportExists(size: size)
    }

    func earlierImport(sha256: String) throws -> Int64? {
        try PostgresImportHistory(connection: connection).doneImport(sha256: sha256)
    }

    func summary(ofImport id: Int64) throws -> ImportSummary {
        try PostgresImportHistory(connection: connection).record(id: id)?.summary ?? ImportSummary()
    }

    /// The overlay leaves the stored users as they were: they are the ones before the file.
    func existingUsersBefore(_ read: ImportSummary) throws -> Int {
        try PostgresUserListing(connection: connection).count(
            states: [.invited, .active], search: nil, atMost: nil)
    }

    /// A dry run is never a release: it says whether the guard would hold the file.
    func releasedHold(sha256: String) throws -> Int64? { nil }

    var importID: Int64? { nil }
}
