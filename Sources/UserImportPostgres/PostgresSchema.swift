/// The store's tables on PostgreSQL, built by numbered migrations as the SQLite file is.
///
/// Several daemons may start against one server at once: each migration runs in a transaction
/// that first takes a transaction-level advisory lock, so one of them migrates and the others,
/// waiting on the lock, find the work done. The version lives in a one-row table (PostgreSQL
/// has no `user_version`).
public enum PostgresSchema {
    /// Migration N is `migrations[N - 1]`. Append only: a server already at version N never
    /// runs the first N again.
    static let migrations: [String] = [
        // 1: the user directory. Emails in byte order ("C"), the order SQLite's BINARY keeps and
        // the importer reads and writes a batch in; the timestamps in milliseconds since 1970.
        """
        CREATE TABLE users (
            email text COLLATE "C" PRIMARY KEY,
            first_name text NOT NULL,
            last_name text NOT NULL,
            alternate_id text NOT NULL DEFAULT '',
            work_phone text NOT NULL DEFAULT '',
            title text NOT NULL DEFAULT '',
            department text NOT NULL DEFAULT '',
            state text NOT NULL CHECK (state IN ('invited', 'active', 'deleted')),
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            last_import_id bigint NOT NULL
        );
        """
    ]

    /// The version this build brings a database to.
    public static var currentVersion: Int { migrations.count }

    /// An arbitrary key of the advisory lock the migrations take ("userimp" in ASCII).
    static let migrationLock = "\(0x7573_6572_696d_70)"

    /// Brings the database to `currentVersion`; refuses one newer than this build knows.
    public static func migrate(_ connection: PostgresConnection) throws {
        while true {
            let applied: Bool = try connection.transaction {
                // The lock first: CREATE TABLE IF NOT EXISTS is not safe against a concurrent one.
                try connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))")
                try connection.execute(
                    "CREATE TABLE IF NOT EXISTS userimport_schema (version integer NOT NULL)")
                let version = try version(connection)
                guard version <= currentVersion else {
                    throw PostgresError(
                        .data,
                        message:
                            "the database is at schema version \(version), newer than this build "
                            + "(\(currentVersion)): run the userimportd that created it, or a newer one")
                }
                guard version < currentVersion else { return false }
                try connection.execute(migrations[version])
                try connection.execute("DELETE FROM userimport_schema")
                try connection.query(
                    "INSERT INTO userimport_schema (version) VALUES ($1)", [String(version + 1)])
                return true
            }
            if !applied { return }
        }
    }

    /// The schema version the database is at (0 for a new one).
    public static func version(_ connection: PostgresConnection) throws -> Int {
        guard try connection.scalar("SELECT to_regclass('userimport_schema')") != nil,
            let text = try connection.scalar("SELECT max(version) FROM userimport_schema")
        else { return 0 }
        guard let version = Int(text) else {
            throw PostgresError(.data, message: "schema version \(text) is not a number")
        }
        return version
    }
}
