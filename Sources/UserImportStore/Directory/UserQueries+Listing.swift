import UserImportCore

/// The user directory as `userimportctl users` lists it.
public final class UserListing {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    /// All users ordered by email, optionally in one state only.
    public func users(state: UserState? = nil) throws -> [StoredUser] {
        let statement = try connection.prepare(
            "SELECT \(UserQueries.columns) FROM users WHERE ?1 IS NULL OR state = ?1 ORDER BY email")
        try statement.bind(.optionalText(state?.rawValue))
        var result: [StoredUser] = []
        while try statement.step() { result.append(try UserQueries.read(statement)) }
        return result
    }
}
