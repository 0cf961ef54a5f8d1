/// The fields of a user record, as the import format names them.
public enum UserField: String, Sendable, CaseIterable, Codable {
    case email
    case firstName
    case lastName
    case alternateID
    case workPhone
    case title
    case department
    case userStatus

    public static let required: [UserField] = [.email, .firstName, .lastName, .userStatus]

    /// The seed console's column title, used in exports and messages.
    public var displayName: String {
        switch self {
        case .email: return "Email ID"
        case .firstName: return "First Name"
        case .lastName: return "Last Name"
        case .alternateID: return "Alternate ID"
        case .workPhone: return "Work Phone"
        case .title: return "Title"
        case .department: return "Department"
        case .userStatus: return "User Status"
        }
    }

    /// Header spellings accepted for this field, in normalised form (see `HeaderMap.normalise`).
    var aliases: Set<String> {
        switch self {
        case .email: return ["emailid", "email", "emailaddress", "mail", "useremail"]
        case .firstName: return ["firstname", "givenname", "forename", "first"]
        case .lastName: return ["lastname", "surname", "familyname", "last"]
        case .alternateID: return ["alternateid", "altid", "employeeid", "employeenumber", "externalid"]
        case .workPhone:
            return ["workphone", "phone", "phonenumber", "telephone", "businessphone", "officephone"]
        case .title: return ["title", "jobtitle", "position"]
        case .department: return ["department", "dept", "division"]
        case .userStatus: return ["userstatus", "status", "action"]
        }
    }
}

extension UserField {
    /// A distinct index below `allCases.count`, for arrays indexed by field.
    var ordinal: Int {
        switch self {
        case .email: 0
        case .firstName: 1
        case .lastName: 2
        case .alternateID: 3
        case .workPhone: 4
        case .title: 5
        case .department: 6
        case .userStatus: 7
        }
    }
}
