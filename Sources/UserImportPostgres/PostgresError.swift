/// A failure reported by libpq or the server, with the statement it came from.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// The server could not be reached, or the connection was lost: try again later.
        case unreachable
        /// The server answered and refused: a wrong password, a missing database, a bad
        /// connection string. Trying again changes nothing until the configuration does.
        case refused
        /// A statement failed on the server (`sqlState` says why).
        case statement
        /// What the database holds is not what this build can use (a newer schema, a bad row).
        case data
    }

    public let kind: Kind
    /// The server's SQLSTATE (`23505` a unique violation, `40001` a serialization failure), empty
    /// when the failure is not a statement's.
    public let sqlState: String
    public let message: String
    public let statement: String?

    public init(_ kind: Kind, sqlState: String = "", message: String, statement: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.statement = statement
    }

    public var description: String {
        let code = sqlState.isEmpty ? "" : " [\(sqlState)]"
        guard let statement else { return "PostgreSQL\(code): \(message)" }
        return "PostgreSQL\(code): \(message) (in: \(statement.prefix(120)))"
    }

    /// The caller tries again later, as it does for a busy SQLite file: the server is down or
    /// restarting (class 08 connection exceptions, 57P0x operator shutdowns), or two writers met
    /// (40001 serialization failure, 40P01 deadlock). Never for a refusal or for data.
    public var isTransient: Bool {
        switch kind {
        case .unreachable: return true
        case .refused, .data: return false
        case .statement:
            return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") || sqlState == "40001"
                || sqlState == "40P01"
        }
    }
}
