import UserImportCore

/// Which users a `users --search` term may match, found through `user_search` instead of reading
/// every user: the users whose indexed text has every three-character run of the term, and the
/// users named by the imports the idle indexing has not reached yet. `UserListing` then checks
/// each candidate against the users table with the same filter a scan applies, so stale entries
/// and Unicode case folding (the index folds more than SQLite's `lower`) only add candidates, never
/// change an answer.
enum UserSearch {
    /// Beyond this many candidates the term is common, and a scan in email order finds a page
    /// of them as soon: the scan answers instead.
    static let candidateLimit = 20_000

    /// The FTS5 query for a text containing `term`: each run of three characters of it, all
    /// required (with `detail=none`, a quoted string of exactly one trigram is the only phrase
    /// FTS5 accepts). nil when no trigram can be formed: shorter than three characters, or
    /// holding a NUL, which FTS5's parser stops at.
    static func matchExpression(_ term: String) -> String? {
        let scalars = Array(term.unicodeScalars)
        guard scalars.count >= 3, !scalars.contains("\0") else { return nil }
        var seen = Set<String>()
        var parts: [String] = []
        for start in 0...(scalars.count - 3) {
            var trigram = String.UnicodeScalarView()
            trigram.append(contentsOf: scalars[start..<(start + 3)])
            let text = String(trigram)
            guard seen.insert(text).inserted else { continue }
            parts.append("\"" + text.replacing("\"", with: "\"\"") + "\"")
        }
        return parts.joined(separator: " AND ")
    }

    /// The ids of the users `term` may match, or nil when a scan answers as well: no trigram in
    /// the term, the index's first pass not done, or more than `candidateLimit` candidates.
    static func candidates(for term: String, connection: SQLiteConnection) throws -> [Int64]? {
        guard let expression = matchExpression(term) else { return nil }
        let progress = try connection.prepare("SELECT through_import, users_after FROM user_search_progress")
        guard try progress.step(), progress.isNull(1) else { return nil }
        let through = progress.int(0)
        progress.reset()
        let pendingRows =
            try connection.scalar(
                "SELECT coalesce(sum(row_count), 0) FROM import_row_chunks WHERE import_id > ?", .int(through)
            )
            ?? 0
        guard pendingRows <= candidateLimit else { return nil }
        var ids = Set<Int64>()
        let indexed = try connection.prepare(
            "SELECT rowid FROM user_search WHERE user_search MATCH ? LIMIT ?")
        try indexed.bind(.text(expression), .int(Int64(candidateLimit) + 1))
        while try indexed.step() {
            ids.insert(indexed.int(0))
            if ids.count > candidateLimit {
                indexed.reset()
                return nil
            }
        }
        indexed.reset()
        try addPending(after: through, to: &ids, connection: connection)
        return ids.sorted()
    }

    /// The users the imports after `through` named: their entries may be missing or stale.
    private static func addPending(
        after through: Int64, to ids: inout Set<Int64>, connection: SQLiteConnection
    )
        throws
    {
        let chunks = try connection.prepare(
            "SELECT first_line, row_count, rows FROM import_row_chunks WHERE import_id > ? ORDER BY import_id, first_line"
        )
        try chunks.bind(.int(through))
        var emails = Set<String>()
        while try chunks.step() {
            for row in try RowChunk.decode(chunks.blob(2), firstLine: chunks.int(0), rowCount: chunks.int(1))
            {
                emails.insert(row.email)
            }
        }
        chunks.reset()
        let user = try connection.prepare("SELECT id FROM users WHERE email = ?")
        for email in emails {
            try user.bind(.text(email))
            if try user.step() { ids.insert(user.int(0)) }
        }
        user.reset()
    }

    /// `ids` as the JSON array `json_each` reads.
    static func json(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }
}
