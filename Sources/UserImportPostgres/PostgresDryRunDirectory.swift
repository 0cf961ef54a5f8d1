import UserImportCore

/// The directory as a run that applies nothing sees it on PostgreSQL: reads `users`, keeps its
/// own changes in a temporary table over it (on the server's disk, so a dry run of a million
/// changes keeps the daemon's memory flat), and forgets them in `discard`.
public struct PostgresDryRunDirectory: UserDirectory {
    private let connection: PostgresConnection

    public init(connection: PostgresConnection) throws {
        self.connection = connection
        try connection.execute(
            """
            CREATE TEMPORARY TABLE IF NOT EXISTS userimport_dry_run_users (
                email text COLLATE "C" PRIMARY KEY, first_name text, last_name text, alternate_id text,
                work_phone text, title text, department text, state text
            ) ON COMMIT DELETE ROWS;
            CREATE TEMPORARY TABLE IF NOT EXISTS userimport_dry_run_users_incoming (
                email text COLLATE "C", first_name text, last_name text, alternate_id text,
                work_phone text, title text, department text, state text
            ) ON COMMIT DELETE ROWS;
            TRUNCATE userimport_dry_run_users
            """)
    }

    public mutating func users(emails: [String]) throws -> [StoredUser?] {
        guard !emails.isEmpty else { return [] }
        let columns = PostgresUserDirectory.columns
        // The overlay's version of a user first, the directory's where the run has not changed it.
        let rows = try connection.query(
            """
            SELECT \(columns) FROM userimport_dry_run_users WHERE email = ANY ($1::text[])
            UNION ALL
            SELECT \(columns) FROM users WHERE email = ANY ($1::text[])
                AND email NOT IN (SELECT email FROM userimport_dry_run_users WHERE email = ANY ($1::text[]))
            """,
            [PostgresArray.text(emails)])
        var byEmail: [String: StoredUser] = [:]
        byEmail.reserveCapacity(rows.count)
        for row in rows {
            let user = try PostgresUserDirectory.user(row)
            byEmail[user.email] = user
        }
        return emails.map { byEmail[$0] }
    }

    public mutating func store(_ users: [StoredUser]) throws {
        guard !users.isEmpty else { return }
        var rows = CopyRows(reservingBytes: users.count * 160)
        for user in users {
            try PostgresUserDirectory.append(user, to: &rows)
            rows.endRow()
        }
        try connection.execute("DELETE FROM userimport_dry_run_users_incoming")
        try connection.copy(
            "COPY userimport_dry_run_users_incoming (\(PostgresUserDirectory.columns)) FROM STDIN", rows)
        try connection.execute(
            """
            INSERT INTO userimport_dry_run_users SELECT * FROM userimport_dry_run_users_incoming
            ON CONFLICT (email) DO UPDATE SET
                first_name = excluded.first_name, last_name = excluded.last_name,
                alternate_id = excluded.alternate_id, work_phone = excluded.work_phone, title = excluded.title,
                department = excluded.department, state = excluded.state
            """)
    }

    /// Forgets the run's changes.
    public func discard() throws {
        try connection.execute("TRUNCATE userimport_dry_run_users")
    }
}
