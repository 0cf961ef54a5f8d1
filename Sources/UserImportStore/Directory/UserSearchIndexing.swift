import UserImportCore

/// Fills `user_search` — a trigram index of each user's "email first last", keyed by the user's
/// id — a few chunks at a time while the daemon is idle, so `users --search` looks up the few
/// users whose text holds the term instead of reading ten million. An import writes nothing to it
/// (ten million index entries would double a bulk import); every user an import changed is named
/// by one of its row results, which the idle step reads, import after import, to bring those
/// users' entries up to date. `UserSearch` treats the users named by the imports not reached yet
/// as candidates too, so a search answers the same whatever the indexing has reached.
public struct UserSearchIndexing {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    /// One step in one transaction: up to `chunks` chunks of row results (or `chunks` × 1,024
    /// users on the first pass over a directory older than the index). Returns false when the
    /// index is up to date.
    public func step(chunks: Int) throws -> Bool {
        try connection.transaction {
            let progress = try connection.prepare(
                "SELECT through_import, after_line, users_after FROM user_search_progress")
            guard try progress.step() else { return false }
            let through = progress.int(0)
            let afterLine = progress.int(1)
            let usersAfter = progress.optionalInt(2)
            progress.reset()
            if let usersAfter {
                try indexUsers(after: usersAfter, count: max(1, chunks) * 1024)
                return true
            }
            guard let next = try connection.scalar("SELECT min(id) FROM imports WHERE id > ?", .int(through))
            else { return false }
            try indexImport(next, after: afterLine, chunks: max(1, chunks))
            return true
        }
    }

    /// The first pass, in id order: `count` users after id `after`.
    private func indexUsers(after: Int64, count: Int) throws {
        let select = try connection.prepare(
            "SELECT id, \(Self.text) FROM users WHERE id > ? ORDER BY id LIMIT ?")
        try select.bind(.int(after), .int(Int64(count)))
        var last = after
        var read = 0
        var entries: [(Int64, String)] = []
        while try select.step() {
            entries.append((select.int(0), select.text(1)))
            last = select.int(0)
            read += 1
        }
        select.reset()
        try put(entries)
        try connection.prepare("UPDATE user_search_progress SET users_after = ?").run(
            read < count ? .null : .int(last))
    }

    /// The users named by up to `chunks` chunks of import `id` after line `afterLine`; the import
    /// counts as reached once its last chunk is read.
    private func indexImport(_ id: Int64, after afterLine: Int64, chunks: Int) throws {
        let select = try connection.prepare(
            """
            SELECT first_line, row_count, rows FROM import_row_chunks
            WHERE import_id = ? AND first_line > ? ORDER BY first_line LIMIT ?
            """)
        try select.bind(.int(id), .int(afterLine), .int(Int64(chunks) + 1))
        var emails = Set<String>()
        var read = 0
        var lastLine = afterLine
        var more = false
        while try select.step() {
            if read == chunks {
                more = true
                break
            }
            lastLine = select.int(0)
            for row in try RowChunk.decode(select.blob(2), firstLine: lastLine, rowCount: select.int(1)) {
                emails.insert(row.email)
            }
            read += 1
        }
        select.reset()
        let user = try connection.prepare("SELECT id, \(Self.text) FROM users WHERE email = ?")
        var entries: [(Int64, String)] = []
        for email in emails {
            try user.bind(.text(email))
            if try user.step() { entries.append((user.int(0), user.text(1))) }
        }
        user.reset()
        // A user an undo removed keeps its entry: a search checks every candidate against the
        // users table, and a later user given the same id overwrites it.
        try put(entries.sorted { $0.0 < $1.0 })
        if more {
            try connection.prepare("UPDATE user_search_progress SET after_line = ?").run(.int(lastLine))
        } else {
            try connection.prepare("UPDATE user_search_progress SET through_import = ?, after_line = 0").run(
                .int(id))
        }
    }

    /// Each user's entry, rewritten only when its text changed (a daily feed of unchanged names
    /// costs one read per user).
    private func put(_ entries: [(id: Int64, text: String)]) throws {
        let current = try connection.prepare("SELECT text FROM user_search WHERE rowid = ?")
        let delete = try connection.prepare("DELETE FROM user_search WHERE rowid = ?")
        let insert = try connection.prepare("INSERT INTO user_search (rowid, text) VALUES (?, ?)")
        for entry in entries {
            try current.bind(.int(entry.id))
            if try current.step() {
                // Bytes, not String ==: canonically equivalent text is not the same trigrams.
                let same = current.text(0).utf8.elementsEqual(entry.text.utf8)
                current.reset()
                if same { continue }
                try delete.run(.int(entry.id))
            }
            try insert.run(.int(entry.id), .text(entry.text))
        }
        current.reset()
    }

    /// What a search matches: the index holds it, `UserListing`'s filter compares with it.
    static let text = "email || ' ' || first_name || ' ' || last_name"
}
