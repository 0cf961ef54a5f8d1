import UserImportCore
import UserImportStore

/// Fills `user_search` on the server as `UserSearchIndexing` does in the SQLite file: each user's
/// "email first last", lower-cased as a search compares it, written while a daemon is idle from
/// the users each import's rows name (an import writes none: a trigram index entry per user would
/// cost a bulk import its `COPY` speed). `PostgresUserSearch` treats the users named by imports
/// not reached yet as candidates too, so a search answers the same whatever this has reached.
///
/// Takes the upkeep lock as lineage indexing and pruning do: one daemon at a time.
public struct PostgresUserSearchIndexing {
    private let connection: PostgresConnection
    private let usersPerChunk: Int

    /// `usersPerChunk`: how many users of the first pass count as one chunk of the step's budget.
    public init(connection: PostgresConnection, usersPerChunk: Int = 1024) {
        self.connection = connection
        self.usersPerChunk = max(1, usersPerChunk)
    }

    /// One step in one transaction: up to `chunks` chunks of row results, or `chunks` × 1,024
    /// users (`usersPerChunk`) on the first pass over a directory older than the index. Returns false when the
    /// index is up to date; throws `UpkeepBusy` when another daemon or an undo holds what it needs.
    public func step(chunks: Int, now: Timestamp) throws -> Bool {
        try PostgresLineageIndexing.upkeep(connection) {
            try startAgainAfterAnUnreadImportWasPruned(now: now)
            if let after = try connection.scalar("SELECT after_email FROM user_search_first_pass") {
                try firstPass(after: after, count: max(1, chunks) * usersPerChunk)
                return true
            }
            if try changedElsewhere(count: max(1, chunks) * usersPerChunk) { return true }
            return try PostgresChunkPass(
                connection: connection, mark: "search_indexed_at", progress: "user_search_progress"
            ).step(chunks: chunks, now: now) { _, chunks in
                var emails = Set<String>()
                for chunk in chunks {
                    for row in try RowChunk.decode(
                        chunk.rows, firstLine: chunk.firstLine, rowCount: chunk.rowCount)
                    {
                        emails.insert(row.email)
                    }
                }
                try put(emails.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            }
        }
    }

    /// A daemon of an older build prunes without waiting for this index: an import it pruned
    /// before it was read can no longer say which users it changed. Those imports count as read,
    /// and a first pass over every user starts (again, from the first email); searches read the
    /// directory until it is done.
    private func startAgainAfterAnUnreadImportWasPruned(now: Timestamp) throws {
        let pruned = try connection.query(
            """
            UPDATE imports SET search_indexed_at = $1
            WHERE search_indexed_at IS NULL AND rows_pruned_at IS NOT NULL RETURNING id
            """, [String(now.millisecondsSinceEpoch)])
        guard !pruned.isEmpty else { return }
        try connection.execute(
            """
            DELETE FROM user_search_progress
                WHERE import_id IN (SELECT id FROM imports WHERE search_indexed_at IS NOT NULL);
            DELETE FROM user_search_first_pass;
            INSERT INTO user_search_first_pass VALUES ('')
            """)
    }

    /// Up to `count` of the users other writers changed (`user_search_dirty`), their entries
    /// written as the users are now. Their notes go first, in this transaction: a writer
    /// changing one of them meanwhile notes it again once this commits (its insert waits on the
    /// deleted row), and a change committed before is read below.
    private func changedElsewhere(count: Int) throws -> Bool {
        let emails = try connection.query(
            """
            DELETE FROM user_search_dirty
            WHERE email IN (SELECT email FROM user_search_dirty ORDER BY email LIMIT $1) RETURNING email
            """, [String(count)]
        ).compactMap { $0.first ?? nil }
        guard !emails.isEmpty else { return false }
        try put(emails)
        return true
    }

    /// The next `count` users in email order after `after`, every one's entry written.
    private func firstPass(after: String, count: Int) throws {
        let row = try connection.query(
            """
            WITH next AS (
                SELECT email, \(Self.text) AS text FROM users WHERE email > $1 ORDER BY email LIMIT $2
            ), put AS (
                INSERT INTO user_search (email, text) SELECT email, text FROM next
                ON CONFLICT (email) DO UPDATE SET text = excluded.text WHERE user_search.text <> excluded.text
            )
            SELECT count(*), max(email) FROM next
            """,
            [after, String(count)]
        ).first
        guard let row, row.count == 2 else {
            throw PostgresError(.data, message: "a first pass without its count")
        }
        if try PostgresImportHistory.int(row[0], "a count") < count {
            try connection.execute("DELETE FROM user_search_first_pass")
        } else {
            try connection.query("UPDATE user_search_first_pass SET after_email = $1", [row[1]])
        }
    }

    /// These users' entries as their text is now, rewritten only where it changed (a daily feed
    /// of unchanged names costs a read per user); the entries of those no longer in the
    /// directory (an undo removed them) go.
    private func put(_ emails: [String]) throws {
        let array = PostgresArray.text(emails)
        try connection.query(
            """
            INSERT INTO user_search (email, text)
            SELECT email, \(Self.text) FROM users WHERE email = ANY ($1::text[])
            ON CONFLICT (email) DO UPDATE SET text = excluded.text WHERE user_search.text <> excluded.text
            """, [array])
        try connection.query(
            """
            DELETE FROM user_search AS s WHERE s.email = ANY ($1::text[])
                AND NOT EXISTS (SELECT 1 FROM users AS u WHERE u.email = s.email)
            """, [array])
    }

    /// What an entry holds: the text `PostgresUserListing`'s filter searches, lower-cased the same
    /// way (ASCII letters only, the "C" collation).
    static let text = "lower((email || ' ' || first_name || ' ' || last_name) COLLATE \"C\")"
}
