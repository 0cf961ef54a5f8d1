import UserImportCore
import UserImportStore

/// The user directory on PostgreSQL as `userimportctl` reads it, listing as the SQLite one does:
/// bytewise email order (the column's "C" collation), the search folding ASCII letters only.
public struct PostgresUserListing: UserReading {
    private let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public func forEachUser(
        states: [UserState] = [], search: String? = nil, offset: Int = 0, limit: Int? = nil,
        _ body: (StoredUser) throws -> Void
    ) throws {
        guard search != nil else {
            return try forEachUser(
                states: states, search: nil, offset: offset, limit: limit, inSnapshot: body)
        }
        try connection.reading {
            try forEachUser(states: states, search: search, offset: offset, limit: limit, inSnapshot: body)
        }
    }

    /// The candidates and every page in one snapshot: an indexing step or an import committing
    /// between them would otherwise leave a matching user out of both the index's answer and
    /// the imports not indexed.
    private func forEachUser(
        states: [UserState], search: String?, offset: Int, limit: Int?,
        inSnapshot body: (StoredUser) throws -> Void
    ) throws {
        let (filter, candidates) = try clause(search: search, candidatesAt: 6)
        var after: String?
        try KeysetPages.read(offset: offset, limit: limit) { page, skip in
            let rows = try connection.query(
                """
                SELECT \(PostgresUserDirectory.columns) FROM users
                WHERE \(filter) AND ($3::text IS NULL OR email > $3)
                ORDER BY email LIMIT $4 OFFSET $5
                """,
                Self.bindings(states: states, search: search) + [after, String(page), String(skip)]
                    + candidates)
            for row in rows {
                let user = try PostgresUserDirectory.user(row)
                after = user.email
                try body(user)
            }
            return rows.count
        }
    }

    public func count(states: [UserState] = [], search: String? = nil, atMost: Int? = nil) throws -> Int {
        let text = try connection.reading {
            let (filter, candidates) = try clause(search: search, candidatesAt: 4)
            return try connection.scalar(
                "SELECT count(*) FROM (SELECT 1 FROM users WHERE \(filter) LIMIT $3) AS counted",
                Self.bindings(states: states, search: search) + [atMost.map(String.init)] + candidates)
        }
        return Int(try PostgresImportHistory.int(text, "a count"))
    }

    /// The WHERE clause and its parameter number `at`: the users `PostgresUserSearch` found for
    /// the term, checked by the filter, when it found few; else the filter over every user.
    private func clause(search: String?, candidatesAt at: Int) throws -> (String, [String?]) {
        guard let search, let emails = try PostgresUserSearch.candidates(for: search, connection: connection)
        else { return (Self.filter, []) }
        return ("email = ANY ($\(at)::text[]) AND \(Self.filter)", [PostgresArray.text(emails)])
    }

    public func user(email: String) throws -> StoredUser? {
        try connection.query(
            "SELECT \(PostgresUserDirectory.columns) FROM users WHERE email = $1", [email]
        ).first.map(PostgresUserDirectory.user)
    }

    /// The chunks the idle indexing has keys for are found by the address's key, the chunks it
    /// has not reached yet by a scan of theirs only (`PostgresLineageIndexing`), as in the SQLite
    /// file; either way each chunk is decoded and its rows compared exactly.
    public func lineage(email: String) throws -> [(
        importID: Int64, fileName: String, received: Timestamp, row: RowResult
    )] {
        let rows = try connection.query(
            Self.lineageSQL, values: [.bytes(Array(email.utf8)), .int(LineageKey.of(email: email))])
        var result: [(Int64, String, Timestamp, RowResult)] = []
        for row in rows {
            guard row.count == 6, let fileName = row[1] else {
                throw PostgresError(.data, message: "a row chunk without its columns")
            }
            let importID = try PostgresImportHistory.int(row[0], "a chunk's import")
            let received = Timestamp(millisecondsSinceEpoch: try PostgresImportHistory.int(row[2], "a time"))
            let decoded = try RowChunk.decode(
                try PostgresConnection.bytes(row[5]),
                firstLine: try PostgresImportHistory.int(row[3], "a line"),
                rowCount: try PostgresImportHistory.int(row[4], "a row count"))
            for named in decoded where named.email.utf8.elementsEqual(email.utf8) {
                result.append((importID, fileName, received, named))
            }
        }
        return result
    }

    /// $1: the address's bytes, $2: its key. One statement, so one snapshot: the keys and the
    /// progress row an indexing step commits together are seen together.
    static let lineageSQL = """
        SELECT c.import_id, i.file_name, i.received_at, c.first_line, c.row_count, c.rows
        FROM lineage_keys k
            JOIN import_row_chunks c ON c.import_id = k.import_id AND c.first_line = k.first_line
            JOIN imports i ON i.id = c.import_id
        WHERE k.email_key = $2::integer
            AND (i.lineage_indexed_at IS NOT NULL
                 OR k.first_line <= (SELECT after_line FROM lineage_progress WHERE import_id = i.id))
        UNION ALL
        SELECT c.import_id, i.file_name, i.received_at, c.first_line, c.row_count, c.rows
        FROM imports i JOIN import_row_chunks c ON c.import_id = i.id
        WHERE i.lineage_indexed_at IS NULL
            AND c.first_line > coalesce((SELECT after_line FROM lineage_progress WHERE import_id = i.id), 0)
            AND position($1::bytea IN c.rows) > 0
        ORDER BY 1, 4
        """

    /// The same text the SQLite search reads, lower-cased in ASCII only (the "C" collation), as
    /// SQLite's lower() does; the text `user_search` holds, so one definition serves both.
    static let filter = """
        state = ANY ($1::text[])
        AND ($2::text IS NULL OR position(lower($2 COLLATE "C") IN \(PostgresUserSearchIndexing.text)) > 0)
        """

    static func bindings(states: [UserState], search: String?) -> [String?] {
        [PostgresArray.text((states.isEmpty ? UserState.allCases : states).map(\.rawValue)), search]
    }
}
