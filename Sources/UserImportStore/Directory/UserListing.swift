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
        let statement = try connection.prepare(
            """
            SELECT r.import_id, i.file_name, i.received_at, r.line, r.email, r.status, r.outcome, r.reason
            FROM import_rows r JOIN imports i ON i.id = r.import_id
            WHERE r.email = ? ORDER BY r.import_id, r.line
            """)
        try statement.bind(.text(email))
        var result: [(Int64, String, Timestamp, RowResult)] = []
        while try statement.step() {
            let outcomeText = statement.text(6)
            guard let outcome = RowOutcome(rawValue: outcomeText) else {
                throw StoreError.corruptRecord("row outcome \(outcomeText)")
            }
            result.append(
                (
                    statement.int(0), statement.text(1), Timestamp(millisecondsSinceEpoch: statement.int(2)),
                    RowResult(
                        line: Int(statement.int(3)), email: statement.text(4), status: statement.text(5),
                        outcome: outcome, reason: statement.text(7))
                ))
        }
        return result
    }
}
