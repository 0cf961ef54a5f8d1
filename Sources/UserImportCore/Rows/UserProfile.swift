/// The fields of a user other than its email (the key) and state.
public struct UserProfile: Sendable, Equatable, Codable {
    public var firstName: String
    public var lastName: String
    public var alternateID: String
    public var workPhone: String
    public var title: String
    public var department: String

    public init(
        firstName: String, lastName: String, alternateID: String = "", workPhone: String = "",
        title: String = "",
        department: String = ""
    ) {
        self.firstName = firstName
        self.lastName = lastName
        self.alternateID = alternateID
        self.workPhone = workPhone
        self.title = title
        self.department = department
    }

    /// An Update (or a New for an existing user) changes only what the row fills in:
    /// an empty cell in an HR export means "no change", never "erase".
    public func overlaid(with row: UserProfile) -> UserProfile {
        func pick(_ new: String, _ old: String) -> String { new.isEmpty ? old : new }
        return UserProfile(
            firstName: pick(row.firstName, firstName), lastName: pick(row.lastName, lastName),
            alternateID: pick(row.alternateID, alternateID), workPhone: pick(row.workPhone, workPhone),
            title: pick(row.title, title), department: pick(row.department, department))
    }
}

/// The lifecycle of an account.
public enum UserState: String, Sendable, Codable, CaseIterable {
    case invited, active, deleted
}

/// A user as the directory holds it.
public struct StoredUser: Sendable, Equatable {
    public var email: String
    public var profile: UserProfile
    public var state: UserState

    public init(email: String, profile: UserProfile, state: UserState) {
        self.email = email
        self.profile = profile
        self.state = state
    }
}
