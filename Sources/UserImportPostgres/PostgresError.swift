/// A failure reported by libpq or the server, with the statement it came from.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The server's SQLSTATE (`23505` a unique violation, `40001` a serialization failure), empty
    /// when the failure is the connection's, not a statement's.
    public let sqlState: String
    public let message: String
    public let statement: String?

    public var description: String {
        let code = sqlState.isEmpty ? "" : " [\(sqlState)]"
        guard let statement else { return "PostgreSQL\(code): \(message)" }
        return "PostgreSQL\(code): \(message) (in: \(statement.prefix(120)))"
    }

    /// The connection is gone or the server is restarting: the caller tries again later, as it
    /// does for a busy SQLite file (class 08 connection exceptions, 57P0x operator shutdowns).
    public var isTransient: Bool {
        sqlState.isEmpty || sqlState.hasPrefix("08") || sqlState.hasPrefix("57P")
    }
}
