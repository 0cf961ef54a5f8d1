import ArgumentParser
import UserImportCore
import UserImportPostgres
import UserImportService
import UserImportStore

/// `--config` and `--state-dir`, shared by every subcommand: the same files the daemon uses.
/// They may also stand before the subcommand (`userimportctl --state-dir ./var history`); see
/// `GlobalOptions`.
struct StateOptions: ParsableArguments {
    @Option(help: "Configuration file (default /etc/userimportd/userimportd.conf when it exists).")
    var config: String?

    @Option(
        help: "State directory (inbox/, done/, failed/, userimportd.sqlite); overrides the configured paths.")
    var stateDir: String?

    func configuration() throws -> Configuration {
        do {
            return try ConfigLoader.load(path: config, stateDirectory: stateDir)
        } catch let error as ConfigError {
            throw ValidationError("bad configuration: \(error)")
        }
    }

    /// The history, from whichever backend the configuration names.
    func openHistory() throws -> any HistoryReading {
        let configuration = try configuration()
        switch configuration.database.backend {
        case .sqlite: return ImportHistory(database: try openDatabase())
        case .postgresql: return PostgresImportHistory(connection: try openServer(configuration.database))
        }
    }

    /// The user directory, from whichever backend the configuration names.
    func openUsers() throws -> any UserReading {
        let configuration = try configuration()
        switch configuration.database.backend {
        case .sqlite: return UserListing(database: try openDatabase())
        case .postgresql: return PostgresUserListing(connection: try openServer(configuration.database))
        }
    }

    /// The outbox, from whichever backend the configuration names.
    func openOutbox() throws -> any OutboxReading {
        let configuration = try configuration()
        switch configuration.database.backend {
        case .sqlite: return OutboxListing(database: try openDatabase())
        case .postgresql: return PostgresOutboxListing(connection: try openServer(configuration.database))
        }
    }

    /// What `status` reads, or what stands in the way (it reports the rest without them).
    func openReadersIfPossible() throws -> Result<StoreReaders, Error> {
        let configuration = try configuration()
        switch configuration.database.backend {
        case .sqlite:
            return try openDatabaseIfPossible().mapError { $0 as Error }.map { database in
                StoreReaders(
                    history: ImportHistory(database: database), outbox: OutboxListing(database: database),
                    held: { try HeldImports(database: database).waiting() },
                    location: configuration.paths.database)
            }
        case .postgresql:
            do {
                let connection = try openServer(configuration.database)
                let history = PostgresImportHistory(connection: connection)
                return .success(
                    StoreReaders(
                        history: history, outbox: PostgresOutboxListing(connection: connection),
                        held: { try history.heldWaiting() },
                        location: "PostgreSQL " + configuration.database.url))
            } catch {
                return .failure(error)
            }
        }
    }

    /// `undo --dry-run`'s plan, read in one snapshot: `body` makes the windows of the plan (as
    /// often as it needs). On the server the planning's TEMP table is in a snapshot rolled back.
    func planningUndo(of id: Int64, windowRows: Int, _ body: (() throws -> UndoWindows) throws -> Void) throws
    {
        let configuration = try configuration()
        switch configuration.database.backend {
        case .sqlite:
            let database = try openDatabase()
            try database.connection.reading {
                try body { try UndoWindows(database: database, undoing: id, windowRows: windowRows) }
            }
        case .postgresql:
            let connection = try openServer(configuration.database)
            let history = PostgresImportHistory(connection: connection)
            try connection.rolledBackSnapshot(scratch: true) {
                try body {
                    UndoWindows(
                        rows: history.rows(importID: id),
                        lookups: try PostgresUndoLookups(connection: connection),
                        undoing: id, windowRows: windowRows)
                }
            }
        }
    }

    /// A read-only session on the server the daemons share; one without their tables is an error
    /// that says so, never an empty history.
    func openServer(_ settings: DatabaseSettings) throws -> PostgresConnection {
        guard !settings.url.isEmpty else { throw ToolError.serverUnusable("[Database] URL is empty") }
        do {
            let connection = try PostgresConnection(url: settings.url)
            try connection.execute("SET default_transaction_read_only = on")
            guard try connection.scalar("SELECT to_regclass('imports')::text") != nil else {
                throw ToolError.serverWithoutTables
            }
            // As with the file: the reads name the tables of one version (an older server has no
            // search or lineage tables yet, a newer one may mean more by the same rows).
            let version = try PostgresSchema.version(connection)
            guard version == PostgresSchema.currentVersion else {
                throw ToolError.serverSchema(found: version, expected: PostgresSchema.currentVersion)
            }
            return connection
        } catch let error as PostgresError {
            throw ToolError.serverUnusable(error.description)
        }
    }

    /// The database read-only (never migrated or written by this tool, except `submit`'s inbox
    /// copy). A missing or unreadable one is an error that says why, never an empty system.
    func openDatabase() throws -> ImportDatabase {
        try openDatabaseIfPossible().get()
    }

    /// For the two commands that can work without a database (`status`, `validate`): the database,
    /// or what stands in the way.
    func openDatabaseIfPossible() throws -> Result<ImportDatabase, DatabaseAccess.Problem> {
        let configuration = try configuration()
        guard configuration.database.backend == .sqlite else { throw ToolError.readsSQLiteOnly }
        let path = configuration.paths.database
        do {
            try DatabaseAccess.check(path)
        } catch {
            return .failure(error)
        }
        return .success(try ImportDatabase(path: path, readOnly: true))
    }
}

/// The history, the outbox and the held files, from either backend, and where they are (the
/// file's path, or the server's connection string) for `status`.
struct StoreReaders {
    let history: any HistoryReading
    let outbox: any OutboxReading
    let held: () throws -> [ImportRecord]
    let location: String
}
