import UserImportCore

/// The user directory as `userimportctl users`, `user` and `export` read it.
public final class UserListing {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    /// Users ordered by email, optionally in some states only and matching `search` (a
    /// case-insensitive substring of the email or either name), `offset` of them skipped and at
    /// most `limit` (nil: all), streamed: an export of a million users never sits in memory.
    public func forEachUser(
        states: [UserState] = [], search: String? = nil, offset: Int = 0, limit: Int? = nil,
        _ body: (StoredUser) throws -> Void
    )
        throws
    {
        // The candidates and the users in one read transaction: an indexing step or an import
        // committing between them would otherwise leave a matching user out of both the index's
        // answer and the imports not indexed.
        try readingOnce(if: search != nil) {
            let (filter, candidates) = try clause(search: search)
            let statement = try connection.prepare(
                "SELECT \(UserQueries.columns) FROM users WHERE \(filter) ORDER BY email LIMIT ?3 OFFSET ?4")
            var values = Self.bindings(states: states, search: search)
            values += [.int(limit.map(Int64.init) ?? -1), .int(Int64(max(0, offset)))]
            if let candidates { values.append(candidates) }
            try statement.bind(values)
            while try statement.step() { try body(try UserQueries.read(statement)) }
        }
    }

    /// How many users `forEachUser` would list without offset and limit, counting no further
    /// than `atMost` (a common term among ten million users is counted as "more than").
    public func count(states: [UserState] = [], search: String? = nil, atMost: Int? = nil) throws -> Int {
        try readingOnce(if: search != nil) {
            let (filter, candidates) = try clause(search: search)
            var values = Self.bindings(states: states, search: search)
            var sql = "SELECT count(*) FROM users WHERE \(filter)"
            if let atMost {
                sql = "SELECT count(*) FROM (SELECT 1 FROM users WHERE \(filter) LIMIT ?3)"
                values.append(.int(Int64(atMost)))
            }
            if let candidates { values += Array(repeating: .null, count: 4 - values.count) + [candidates] }
            return Int(try connection.scalar(sql, values) ?? 0)
        }
    }

    /// `body` in one read transaction when `needed` (a search reads the index, then the users);
    /// else as it is, so that an export of every user does not hold the log's oldest snapshot.
    private func readingOnce<T>(if needed: Bool, _ body: () throws -> T) throws -> T {
        needed ? try connection.reading(body) : try body()
    }

    /// The WHERE clause and its ?5: the users `UserSearch` found for the term, checked by the
    /// filter, when it found few; else the filter over every user (no ?5).
    private func clause(search: String?) throws -> (String, SQLiteValue?) {
        guard let search, let ids = try UserSearch.candidates(for: search, connection: connection) else {
            return (Self.filter, nil)
        }
        return ("id IN (SELECT value FROM json_each(?5)) AND \(Self.filter)", .text(UserSearch.json(ids)))
    }

    /// The text searched is the one `UserSearchIndexing` indexes: one definition for both.
    private static let filter = """
        instr(?1, ',' || state || ',') > 0
          AND (?2 IS NULL OR instr(lower(\(UserSearchIndexing.text)), lower(?2)) > 0)
        """

    private static func bindings(states: [UserState], search: String?) -> [SQLiteValue] {
        let wanted = states.isEmpty ? UserState.allCases : states
        return [.text("," + wanted.map(\.rawValue).joined(separator: ",") + ","), .optionalText(search)]
    }

    public func user(email: String) throws -> StoredUser? {
        try UserQueries.user(email: email, using: try connection.prepare(UserQueries.selectByEmail))
    }

    /// Every row of every import that named this address, oldest first: where each value came from.
    public func lineage(email: String) throws -> [(
        importID: Int64, fileName: String, received: Timestamp, row: RowResult
    )] {
        // The chunks the idle indexing has keys for are found by the address's key; the chunks
        // it has not reached yet (imports since the daemon was last idle) by a scan of theirs
        // only, where a chunk holding the address's bytes somewhere may name it (instr of two
        // BLOBs compares bytes; an empty address binds as NULL, and every chunk may hold an
        // empty email). Either way each chunk is decoded and its rows compared exactly.
        let statement = try connection.prepare(Self.lineageSQL)
        try statement.bind(.blob(Array(email.utf8)), .int(LineageKey.of(email: email)))
        var result: [(Int64, String, Timestamp, RowResult)] = []
        while try statement.step() {
            let rows = try RowChunk.decode(
                statement.blob(5), firstLine: statement.int(3), rowCount: statement.int(4))
            // Bytes, not String ==: SQLite's `=` did not treat canonically equivalent text as equal.
            for row in rows where row.email.utf8.elementsEqual(email.utf8) {
                result.append(
                    (
                        statement.int(0), statement.text(1),
                        Timestamp(millisecondsSinceEpoch: statement.int(2)), row
                    ))
            }
        }
        return result
    }

    /// ?1: the address's bytes, ?2: its key. CROSS JOIN keeps SQLite from reading every chunk to
    /// find those of the few imports not indexed (the partial index lists those).
    static let lineageSQL = """
        SELECT c.import_id, i.file_name, i.received_at, c.first_line, c.row_count, c.rows
        FROM lineage_keys k
            JOIN import_row_chunks c ON c.import_id = k.import_id AND c.first_line = k.first_line
            JOIN imports i ON i.id = c.import_id
        WHERE k.email_key = ?2
            AND (i.lineage_indexed_at IS NOT NULL
                 OR k.first_line <= (SELECT after_line FROM lineage_progress WHERE import_id = i.id))
        UNION ALL
        SELECT c.import_id, i.file_name, i.received_at, c.first_line, c.row_count, c.rows
        FROM imports i CROSS JOIN import_row_chunks c ON c.import_id = i.id
        WHERE i.lineage_indexed_at IS NULL
            AND c.first_line > coalesce((SELECT after_line FROM lineage_progress WHERE import_id = i.id), 0)
            AND coalesce(instr(c.rows, ?1), 1) > 0
        ORDER BY 1, 4
        """
}
