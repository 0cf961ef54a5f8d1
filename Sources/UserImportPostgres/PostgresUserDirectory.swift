import Glibc
import UserImportCore
import UserImportStore

/// The user directory on PostgreSQL, inside the caller's transaction: a few statements per batch
/// handed over, not one per user (a round trip to the server costs more than the row).
///
/// A batch's users are read with its emails as one array parameter. Those the read did not find
/// are new and go straight into `users` by `COPY`, the server's bulk path; the others are copied
/// into a temporary staging table and updated from it in one statement. INSERT … ON CONFLICT over
/// every user took 1.5× as long on the server (`make bench`). That split is sound because the
/// caller holds the directory for the import's transaction (no other import adds a user between
/// the read and the write). The rows are still decided one by one, in file order, by `RowRules`
/// in the core.
///
/// A first load, into a directory empty when the import begins, asks the server only about the
/// emails this import may have added already (`EmailBloomFilter`): every other answer is "no
/// such user", known without a probe of the index per email, which cost a third of the server's
/// time (`make bench`). The users table is then locked against other writers until the
/// transaction ends (readers go on), so nothing else can add a user meanwhile.
public struct PostgresUserDirectory: UserDirectory {
    private let connection: PostgresConnection
    private let importID: Int64
    private let now: Int64
    /// Set when the directory was empty at the start: the emails stored since.
    private var added: EmailBloomFilter?
    /// The batch's emails as last read, whether each was found, and how far the batch's stores
    /// have come through them (both in email order).
    private var batch: [String] = []
    private var found: [Bool] = []
    private var position = 0

    /// Inside the caller's transaction: takes the directory until it ends (so imports from several
    /// daemons apply one after the other, in commit order), and creates the session's staging
    /// table when it is not there yet (a temporary table lives as long as the connection, and goes
    /// with a rolled-back transaction that created it).
    public init(connection: PostgresConnection, importID: Int64, now: Timestamp) throws {
        try self.init(
            connection: connection, importID: importID, now: now, firstLoadFilter: EmailBloomFilter())
    }

    /// `firstLoadFilter`: the filter a first load starts from (tests give a tiny one). Inside a
    /// transaction only (a first load takes a savepoint and a table lock).
    init(connection: PostgresConnection, importID: Int64, now: Timestamp, firstLoadFilter: EmailBloomFilter)
        throws
    {
        self.connection = connection
        self.importID = importID
        self.now = now.millisecondsSinceEpoch
        try connection.query("SELECT pg_advisory_xact_lock(\(Self.directoryLock))")
        // The import's rows name every user it writes: the search's trigger for other writers
        // (`user_search_dirty`) is skipped for the transaction.
        try connection.execute("SET LOCAL userimport.importing = 'on'")
        if try Self.isEmptyAndReadCommitted(connection) {
            added = try Self.lockedForAFirstLoad(connection) ? firstLoadFilter : nil
        }
        try connection.execute(
            """
            CREATE TEMPORARY TABLE IF NOT EXISTS userimport_user_staging (
                email text COLLATE "C", first_name text, last_name text, alternate_id text,
                work_phone text, title text, department text, state text
            ) ON COMMIT DELETE ROWS
            """)
    }

    public mutating func users(emails: [String]) throws -> [StoredUser?] {
        batch = emails
        position = 0
        guard !emails.isEmpty else {
            found = []
            return []
        }
        let asked = added.map { filter in emails.filter { filter.mayContain($0) } } ?? emails
        let rows = asked.isEmpty ? [] : try select(asked)
        var byEmail: [String: StoredUser] = [:]
        byEmail.reserveCapacity(rows.count)
        for row in rows {
            let user = try Self.user(row)
            byEmail[user.email] = user
        }
        let users = emails.map { byEmail[$0] }
        found = users.map { $0 != nil }
        return users
    }

    /// Whether the directory is empty, in a transaction whose statements each see what was
    /// committed before them (so that the look under the lock sees a user added before it).
    private static func isEmptyAndReadCommitted(_ connection: PostgresConnection) throws -> Bool {
        try connection.scalar(
            "SELECT NOT EXISTS (SELECT 1 FROM users) AND current_setting('transaction_isolation') = 'read committed'"
        ) == "t"
    }

    /// Locks the users table against other writers until the transaction ends, if that is
    /// granted at once and the table is still empty under the lock; otherwise takes nothing (the
    /// import then looks every email up). Never waits: a writer's open transaction on the table
    /// must not stop an import where no heartbeat ticks.
    private static func lockedForAFirstLoad(_ connection: PostgresConnection) throws -> Bool {
        try connection.execute("SAVEPOINT first_load")
        do {
            try connection.execute("LOCK TABLE users IN EXCLUSIVE MODE NOWAIT")
            if try isEmptyAndReadCommitted(connection) {
                try connection.execute("RELEASE SAVEPOINT first_load")
                return true
            }
        } catch let error as PostgresError where error.sqlState == "55P03" {
            // Not granted at once: another session holds a lock on the table.
        }
        try connection.execute("ROLLBACK TO SAVEPOINT first_load; RELEASE SAVEPOINT first_load")
        return false
    }

    private func select(_ emails: [String]) throws -> [[String?]] {
        // A batch's emails spread over the whole index, and the planner, counting pages, scans the
        // table instead of probing the index once per email: at a million users the probes take
        // half as long, and unlike the scan they do not grow with the directory.
        try connection.execute("SET LOCAL enable_seqscan = off")
        let rows = try connection.query(
            "SELECT \(Self.columns) FROM users WHERE email = ANY ($1::text[])", [PostgresArray.text(emails)])
        try connection.execute("SET LOCAL enable_seqscan = on")
        return rows
    }

    public mutating func store(_ users: [StoredUser]) throws {
        guard !users.isEmpty else { return }
        var new = CopyRows(reservingBytes: users.count * 160)
        var changed = CopyRows()
        for user in users {
            // The stores of a batch walk its emails in the same order: a user is found by
            // moving forward, never by a search.
            while position < batch.count && batch[position] != user.email { position += 1 }
            guard position < batch.count else {
                throw PostgresError(
                    .data, message: "user \(user.email) was stored without being read first, or out of order")
            }
            if found[position] {
                try Self.append(user, to: &changed)
                changed.endRow()
            } else {
                try Self.append(user, to: &new)
                added?.insert(user.email)
                new.field(now)
                new.field(now)
                new.field(importID)
                new.endRow()
            }
        }
        if !new.isEmpty {
            // Not waited for: the server stores the batch's new users while the importer decides
            // the next batch; the next statement reads the result (and its error, if any).
            try connection.copyWithoutWaiting(
                "COPY users (\(Self.columns), created_at, updated_at, last_import_id) FROM STDIN", new)
        }
        if !changed.isEmpty {
            try connection.copy("COPY userimport_user_staging (\(Self.columns)) FROM STDIN", changed)
            try connection.query(
                """
                UPDATE users SET
                    first_name = s.first_name, last_name = s.last_name, alternate_id = s.alternate_id,
                    work_phone = s.work_phone, title = s.title, department = s.department, state = s.state,
                    updated_at = $1::bigint, last_import_id = $2::bigint
                FROM userimport_user_staging s WHERE users.email = s.email
                """,
                [String(now), String(importID)])
            try connection.execute("TRUNCATE userimport_user_staging")
        }
    }

    static func append(_ user: StoredUser, to rows: inout CopyRows) throws {
        try user.forEachColumn { try rows.field($0) }
    }

    /// Takes the directory for the caller's transaction, calling `tick` every 20 ms while another
    /// import holds it (a tick may throw to give up). The directory's own lock is then immediate.
    public static func waitForTheDirectory(_ connection: PostgresConnection, tick: () throws -> Void) throws {
        while try connection.scalar("SELECT pg_try_advisory_xact_lock(\(directoryLock))") != "t" {
            try tick()
            usleep(20_000)
        }
    }

    /// The advisory lock an import holds on the directory ("userdir" in ASCII).
    static let directoryLock = "\(0x75_7365_7264_6972)"

    static let columns = "email, first_name, last_name, alternate_id, work_phone, title, department, state"

    /// A row selected with `columns`; the database is read as outside data.
    static func user(_ row: [String?]) throws -> StoredUser {
        guard row.count == 8, let email = row[0], let stateText = row[7] else {
            throw PostgresError(.data, message: "a users row without email or state")
        }
        guard let state = UserState(rawValue: stateText) else {
            throw PostgresError(.data, message: "user \(email) has state \(stateText)")
        }
        return StoredUser(
            email: email,
            profile: UserProfile(
                firstName: row[1] ?? "", lastName: row[2] ?? "", alternateID: row[3] ?? "",
                workPhone: row[4] ?? "", title: row[5] ?? "", department: row[6] ?? ""),
            state: state)
    }
}

/// PostgreSQL's text form of an array parameter.
enum PostgresArray {
    /// `{"a","b"}`: every element quoted, its `"` and `\` escaped, so any text round-trips
    /// (commas, braces, spaces, the word NULL).
    ///
    /// Built as bytes: a batch's 24,576 emails are one parameter, and appending them a scalar at a
    /// time to a String took a second per million (`make bench`), on the import's thread.
    static func text(_ values: [String]) -> String {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(values.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(quote)
            let utf8 = value.utf8
            if utf8.contains(where: { $0 == quote || $0 == backslash }) {
                for byte in utf8 {
                    if byte == quote || byte == backslash { out.append(backslash) }
                    out.append(byte)
                }
            } else {
                out.append(contentsOf: utf8)
            }
            out.append(quote)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `{1,2,3}`: numbers need no quoting.
    static func integers(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}
