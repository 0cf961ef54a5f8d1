import UserImportCore

/// The user directory as `userimportctl users`, `user` and `export` read it.
public final class UserListing {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    /// Users ordered by email, optionally in some states only and matching `search` (a
    /// case-insensitive substring of the email or either name), streamed: an export of a million
    /// users never sits in memory.
    public func forEachUser(
        states: [UserState] = [], search: String? = nil, _ body: (StoredUser) throws -> Void
    )
        throws
    {
        let wanted = states.isEmpty ? UserState.allCases : states
        let statement = try connection.prepare(
            """
            SELECT \(UserQueries.columns) FROM users
            WHERE instr(?1, ',' || state || ',') > 0
              AND (?2 IS NULL OR instr(lower(email || ' ' || first_name || ' ' || last_name), lower(?2)) > 0)
            ORDER BY email
            """)
        try statement.bind(
            .text("," + wanted.map(\.rawValue).joined(separator: ",") + ","), .optionalText(search))
        while try statement.step() { try body(try UserQueries.read(statement)) }
    }

    public func user(email: String) throws -> StoredUser? {
        try UserQueries.user(email: email, using: try connection.prepare(UserQueries.selectByEmail))
    }

    /// Every row of every import that named this address, oldest first: where each value came from.
    public func lineage(email: String) throws -> [(
        importID: Int64, fileName: String, received: Timestamp, row: RowResult
    )] {
        // Only a chunk holding the address's bytes somewhere can name it (instr of two BLOBs
        // compares bytes); each such chunk is decoded and its rows compared exactly. An empty
        // address binds as NULL, and every chunk may hold an empty email.
        let statement = try connection.prepare(
            """
            SELECT c.import_id, i.file_name, i.received_at, c.first_line, c.row_count, c.rows
            FROM import_row_chunks c JOIN imports i ON i.id = c.import_id
            WHERE coalesce(instr(c.rows, ?), 1) > 0 ORDER BY c.import_id, c.first_line
            """)
        try statement.bind(.blob(Array(email.utf8)))
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
}
