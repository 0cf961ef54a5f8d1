import UserImportCore
import UserImportPostgres
import UserImportStore

/// The server's overlay is a TEMP table too, inside the snapshot `validate` rolls back.
struct PostgresDryRunStore: DryRunStore {
    let connection: PostgresConnection

    func overlay() throws -> PostgresDryRunDirectory { try PostgresDryRunDirectory(connection: connection) }
    func discardOverlay() throws { try PostgresDryRunDirectory(connection: connection).discard() }
    func hasDoneImport(size: Int) throws -> Bool {
        try PostgresImportHistory(connection: connection).doneImportExists(size: size)
    }
    func earlierImport(sha256: String) throws -> Int64? {
        try PostgresImportHistory(connection: connection).doneImport(sha256: sha256)
    }
    func summary(ofImport id: Int64) throws -> ImportSummary {
        try PostgresImportHistory(connection: connection).record(id: id)?.summary ?? ImportSummary()
    }
    func usersBefore() throws -> Int {
        try PostgresUserListing(connection: connection).count(
            states: [.invited, .active], search: nil, atMost: nil)
    }
}
