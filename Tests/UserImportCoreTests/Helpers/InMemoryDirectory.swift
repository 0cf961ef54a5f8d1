import UserImportCore

/// The user directory as a dictionary, for driving the importer without SQLite.
struct InMemoryDirectory: UserDirectory {
    struct Queued: Equatable {
        var kind: NotificationKind
        var email: String
        var line: Int
    }

    var users: [String: StoredUser] = [:]
    var queued: [Queued] = []
    var stores = 0

    mutating func user(email: String) throws -> StoredUser? {
        users[email]
    }

    mutating func store(_ user: StoredUser, previous: StoredUser?) throws {
        stores += 1
        users[user.email] = user
    }

    mutating func queue(_ notification: NotificationKind, for user: StoredUser, line: Int) throws {
        queued.append(Queued(kind: notification, email: user.email, line: line))
    }
}

/// Keeps every row result, in the order the importer reports them.
struct RecordedResults: RowResultSink {
    var results: [RowResult] = []

    mutating func record(_ result: RowResult) throws {
        results.append(result)
    }
}
