import UserImportCore
import UserImportStore

/// Which users a `users --search` term may match on the server, found through `user_search`'s
/// trigram index instead of reading every user: the entries holding the term, the users named
/// by the imports the idle indexing has not reached yet, and those another writer changed. `PostgresUserListing` then checks each
/// candidate against `users` with the filter a scan applies, so a stale entry only adds a
/// candidate, never changes an answer.
enum PostgresUserSearch {
    /// Beyond this many candidates the term is common, and a scan in email order finds a page
    /// of them as soon: the scan answers instead (the SQLite file's limit).
    static let candidateLimit = 20_000

    /// Whether the trigram index can narrow `term`: it needs three letters or digits in a row
    /// (`pg_trgm` makes no trigram of other characters in every locale, and a term without one
    /// would read the whole index).
    static func isIndexable(_ term: String) -> Bool {
        var run = 0
        for byte in term.utf8 {
            let isAlphanumeric =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A)
            run = isAlphanumeric ? run + 1 : 0
            if run == 3 { return true }
        }
        return false
    }

    /// The emails of the users `term` may match, or nil when a scan answers as well: the term
    /// not indexable, no trigram index (`PostgresSchema.optional`), the first pass not done, an
    /// import pruned before it was read (by a daemon of an older build: its users' entries may be
    /// stale until the next step starts a first pass again), or more than `candidateLimit`
    /// candidates. Read in the caller's snapshot (`PostgresUserListing`).
    static func candidates(for term: String, connection: PostgresConnection, pageSize: Int = pendingPageSize)
        throws -> [String]?
    {
        guard isIndexable(term), try connection.scalar(usableSQL) == "t" else { return nil }
        let pendingRows = try connection.scalar("SELECT coalesce(sum(c.row_count), 0) FROM \(pendingChunks)")
        guard try PostgresImportHistory.int(pendingRows, "a row count") <= candidateLimit else { return nil }
        let indexed = try connection.query(
            "SELECT email FROM user_search WHERE text LIKE lower($1 COLLATE \"C\") LIMIT $2",
            [pattern(term), String(candidateLimit + 1)])
        guard indexed.count <= candidateLimit else { return nil }
        var emails = Set(indexed.compactMap { $0.first ?? nil })
        // The users other writers changed since the indexing last looked.
        let dirty = try connection.query(
            "SELECT email FROM user_search_dirty LIMIT $1", [String(candidateLimit + 1)])
        guard dirty.count <= candidateLimit else { return nil }
        emails.formUnion(dirty.compactMap { $0.first ?? nil })
        try forEachPendingRow(connection: connection, pageSize: pageSize) { emails.insert($0.email) }
        return emails.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Chunks read at once from the imports not indexed yet: the rows counted above are few, but
    /// a chunk of rejected rows keeps their cells and may hold a megabyte or two.
    static let pendingPageSize = 8

    /// The rows of the chunks the indexing has not read, `pageSize` chunks a statement, in the
    /// order of (import, first line), the key of `import_row_chunks`: the next page starts after
    /// the last chunk read.
    static func forEachPendingRow(
        connection: PostgresConnection, pageSize: Int, _ body: (RowResult) -> Void
    ) throws {
        let size = max(1, pageSize)
        var after = (importID: Int64.min, line: Int64.min)
        while true {
            let page = try connection.query(
                """
                SELECT c.import_id, c.first_line, c.row_count, c.rows FROM \(pendingChunks)
                    AND (c.import_id, c.first_line) > ($1::bigint, $2::bigint)
                ORDER BY c.import_id, c.first_line LIMIT $3
                """,
                [String(after.importID), String(after.line), String(size)])
            for row in page {
                guard row.count == 4 else {
                    throw PostgresError(.data, message: "a row chunk without its columns")
                }
                after = (
                    try PostgresImportHistory.int(row[0], "a chunk's import"),
                    try PostgresImportHistory.int(row[1], "a line")
                )
                for named in try RowChunk.decode(
                    try PostgresConnection.bytes(row[3]), firstLine: after.line,
                    rowCount: try PostgresImportHistory.int(row[2], "a row count"))
                {
                    body(named)
                }
            }
            if page.count < size { return }
        }
    }

    /// "Holds `term` anywhere" as a LIKE pattern (the server lower-cases it as it did the
    /// entries): a backslash, % or _ in the term is only itself. Built here and bound, so that
    /// the statement holds no backslash whatever `standard_conforming_strings` says.
    static func pattern(_ term: String) -> String {
        var escaped = "%"
        for character in term.unicodeScalars {
            if character == "\\" || character == "%" || character == "_" {
                escaped.unicodeScalars.append("\\")
            }
            escaped.unicodeScalars.append(character)
        }
        return escaped + "%"
    }

    /// Whether the index answers for the directory as it is now.
    static let usableSQL = """
        SELECT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('user_search_trigrams')
                       AND indrelid = 'user_search'::regclass AND indisvalid)
            AND NOT EXISTS (SELECT 1 FROM user_search_first_pass)
            AND NOT EXISTS (SELECT 1 FROM imports WHERE search_indexed_at IS NULL AND rows_pruned_at IS NOT NULL)
        """

    /// The chunks the indexing has not read: of imports not marked, after their progress.
    static let pendingChunks = """
        imports AS i
            JOIN import_row_chunks AS c ON c.import_id = i.id
            LEFT JOIN user_search_progress AS p ON p.import_id = i.id
        WHERE i.search_indexed_at IS NULL AND c.first_line > coalesce(p.after_line, 0)
        """
}
