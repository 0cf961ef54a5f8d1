/// Files for the mass-change guard's tests: a directory of `count` users, and a feed that deletes
/// some of them.
enum GuardFiles {
    static let header = "Email ID,First Name,Last Name,User Status\n"

    static func email(_ index: Int) -> String { "user\(index)@example.com" }

    /// `count` New rows: users 0..<count.
    static func directory(_ count: Int) -> String {
        header + (0..<count).map { "\(email($0)),First\($0),Last\($0),New\n" }.joined()
    }

    /// Deletes users 0..<deleting and updates the title-less name of `updating` more after them.
    static func feed(deleting: Int, updating: Int = 0) -> String {
        header + (0..<deleting).map { "\(email($0)),First\($0),Last\($0),Delete\n" }.joined()
            + (deleting..<(deleting + updating)).map { "\(email($0)),Renamed\($0),Last\($0),Update\n" }
            .joined()
    }
}
