import UserImportCore

/// The user directory as a dictionary: what the SQLite directory does, without SQLite.
struct FuzzDirectory: UserDirectory, Equatable {
    var users: [String: StoredUser] = [:]
    /// The emails of the batch being decided: a notification names one of them.
    var asked: Set<String> = []

    static func inOrder(_ emails: [String]) -> Bool {
        zip(emails, emails.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    mutating func users(emails: [String]) throws -> [StoredUser?] {
        FuzzCheck.require(Self.inOrder(emails), "users: emails not distinct and in byte order")
        asked = Set(emails)
        return emails.map { users[$0] }
    }

    mutating func store(_ batch: [StoredUser]) throws {
        let batch = Array(batch)
        FuzzCheck.require(Self.inOrder(batch.map(\.email)), "store: users not distinct and in byte order")
        for user in batch {
            FuzzCheck.require(asked.contains(user.email), "store: a user the batch did not ask for")
            users[user.email] = user
        }
    }

}

/// The emails queued, checked as the SQLite outbox checks them: lines rise, and a flush ends every
/// batch that queued anything before its users are stored.
struct FuzzOutbox: NotificationOutbox, Equatable {
    struct Queued: Equatable {
        var kind: NotificationKind
        var email: String
        var line: Int
    }

    var queued: [Queued] = []
    var flushed = 0

    mutating func queue(_ notification: NotificationKind, for user: StoredUser, line: Int) throws {
        FuzzCheck.require(line > (queued.last?.line ?? 0), "queue: line \(line) does not rise")
        queued.append(Queued(kind: notification, email: user.email, line: line))
    }

    mutating func flush() throws {
        flushed = queued.count
    }
}

/// Every row result, in the order the importer reports them.
struct FuzzResults: RowResultSink {
    var rows: [RowResult] = []
    var finished = false

    mutating func record(_ result: RowResult) throws {
        FuzzCheck.require(!finished, "record: a row after finish")
        rows.append(result)
    }

    mutating func finish() throws {
        FuzzCheck.require(!finished, "finish: called twice")
        finished = true
    }
}
