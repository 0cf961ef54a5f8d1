/// The `User Status` column: what the row asks to do to the account.
public enum UserStatus: String, Sendable, CaseIterable, Codable {
    case new = "New"
    case update = "Update"
    case delete = "Delete"
    case activate = "Activate"

    /// Case-insensitive, as the seed console accepts it.
    public init?(cell: String) {
        guard let status = UserStatus.allCases.first(where: { $0.rawValue.lowercased() == cell.lowercased() })
        else {
            return nil
        }
        self = status
    }
}
