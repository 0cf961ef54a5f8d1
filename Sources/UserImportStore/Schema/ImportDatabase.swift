import CSQLite

/// The database file: user directory, import history and outbox, opened and migrated.
public final class ImportDatabase {
    public let connection: SQLiteConnection

    /// Opens (creating when writable) and migrates. A read-only open never migrates: it refuses a
    /// database that is older or newer than this build instead.
    public init(path: String, readOnly: Bool = false) throws {
        connection = try SQLiteConnection(path: path, readOnly: readOnly)
        if readOnly {
            let version = try connection.scalar("PRAGMA user_version") ?? 0
            guard version == Int64(Migrations.all.count) else {
                throw StoreError.schemaVersion(found: version)
            }
            return
        }
        // 16 KiB pages for a new file (an existing one keeps the size it was made with: the pragma
        // does not change its pages, only a VACUUM on this connection would; and it must come
        // before WAL mode to take effect on a new one). A quarter of the
        // pages of 4 KiB for the same rows: a quarter of the log frames, page reads and writes,
        // B-tree steps and checkpoint copies. A million new users: 5.7 s -> 4.8 s, system time
        // 1.7 s -> 1.0 s, the file 1% larger; 32 KiB was no faster and 6% larger.
        try connection.execute("PRAGMA page_size = 16384")
        try connection.execute("PRAGMA journal_mode = WAL")
        // FULL: the commit is on disk before the file is moved to done/, even across a power cut.
        try connection.execute("PRAGMA synchronous = FULL")
        // Off while migrating: rebuilding a table others refer to drops it first, which with the
        // checks on would delete (or refuse) every row that refers to it. Each migration checks
        // the references itself before it commits.
        try connection.execute("PRAGMA foreign_keys = OFF")
        try migrate()
        try connection.execute("PRAGMA foreign_keys = ON")
    }

    /// This connection's commits no longer checkpoint the log; a `WALCheckpointer` on the same
    /// file must do it instead, or the log grows without bound.
    public func checkpointsElsewhere() throws {
        try connection.execute("PRAGMA wal_autocheckpoint = 0")
    }

    public var schemaVersion: Int64 {
        get throws { try connection.scalar("PRAGMA user_version") ?? 0 }
    }

    private func migrate() throws {
        for migration in Migrations.all {
            try connection.transaction {
                let current = try connection.scalar("PRAGMA user_version") ?? 0
                guard current < migration.version else { return }
                try connection.execute(migration.sql)
                try migration.step?(connection)
                let broken = try connection.texts("PRAGMA foreign_key_check")
                if !broken.isEmpty {
                    throw StoreError.corruptRecord(
                        "migration \(migration.version) leaves rows referring to missing ones in \(broken)")
                }
                try connection.execute("PRAGMA user_version = \(migration.version)")
            }
        }
        let current = try schemaVersion
        if current > Int64(Migrations.all.count) { throw StoreError.schemaVersion(found: current) }
    }

    public func integrityCheck() throws -> [String] {
        try connection.texts("PRAGMA integrity_check")
    }
}

public enum StoreError: Error, CustomStringConvertible, Equatable {
    case schemaVersion(found: Int64)
    case corruptRecord(String)
    /// A row result for a line not after the last one recorded for the import (a bug upstream).
    case rowOutOfOrder(line: Int, after: Int)
    /// An email queued for a line at or before the previous one of the same import.
    case notificationOutOfOrder(line: Int, after: Int)
    /// A row result whose previous user is not one its outcome can have changed (a bug upstream).
    case previousUserDoesNotFit(line: Int)

    public var description: String {
        switch self {
        case .schemaVersion(let found):
            return "the database has schema version \(found), this program expects \(Migrations.all.count); "
                + "run userimportd once to migrate it, or use a matching userimportctl"
        case .corruptRecord(let what):
            return "a stored record could not be read: \(what)"
        case .rowOutOfOrder(let line, let after):
            return
                "the result of line \(line) came after that of line \(after); results are kept in line order"
        case .notificationOutOfOrder(let line, let after):
            return "an email was queued for line \(line) after one for line \(after) of the same import"
        case .previousUserDoesNotFit(let line):
            return "the result of line \(line) keeps a previous user that its outcome cannot have changed"
        }
    }
}
