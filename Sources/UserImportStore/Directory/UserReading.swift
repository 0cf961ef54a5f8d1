import UserImportCore

/// The user directory as `userimportctl users`, `user` and `export` read it, from the SQLite file
/// or a PostgreSQL server alike.
public protocol UserReading {
    /// Users ordered by email (bytewise), optionally in some states only and matching `search` (a
    /// case-insensitive, ASCII-folded substring of the email or either name), `offset` skipped
    /// and at most `limit` (nil: all), streamed.
    func forEachUser(
        states: [UserState], search: String?, offset: Int, limit: Int?, _ body: (StoredUser) throws -> Void
    ) throws
    /// How many `forEachUser` would list without offset and limit, counting no further than `atMost`.
    func count(states: [UserState], search: String?, atMost: Int?) throws -> Int
    func user(email: String) throws -> StoredUser?
    /// Every row of every import that named this address, oldest first.
    func lineage(email: String) throws -> [(
        importID: Int64, fileName: String, received: Timestamp, row: RowResult
    )]
}

extension UserListing: UserReading {}
