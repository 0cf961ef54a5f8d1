import UserImportCore

/// The user directory as a dictionary: what the SQLite directory does, without SQLite.
struct FuzzDirectory: UserDirectory, Equatable {
    struct Queued: Equatable {
        var kind: NotificationKind
        var email: String
        var line: Int
    }

    var users: [String: StoredUser] = [:]
    var queued: [Queued] = []

    mutating func user(email: String) throws -> StoredUser? {
        users[email]
    }

    mutating func store(_ user: StoredUser, previous: StoredUser?) throws {
        FuzzCheck.require(previous == users[user.email], "store: previous is not the stored user")
        users[user.email] = user
    }

    mutating func queue(_ notification: NotificationKind, for user: StoredUser, line: Int) throws {
        FuzzCheck.require(users[user.email] == user, "queue: notification for a user not stored")
        queued.append(Queued(kind: notification, email: user.email, line: line))
    }
}

/// Every row result, in the order the importer reports them.
struct FuzzResults: RowResultSink {
    var rows: [RowResult] = []

    mutating func record(_ result: RowResult) throws {
        rows.append(result)
    }
}
