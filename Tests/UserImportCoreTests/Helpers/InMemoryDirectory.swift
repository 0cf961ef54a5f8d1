import Testing
import UserImportCore

/// The user directory as a dictionary, for driving the importer without SQLite.
struct InMemoryDirectory: UserDirectory {
    var users: [String: StoredUser] = [:]
    var stores = 0

    mutating func users(emails: [String]) throws -> [StoredUser?] {
        #expect(
            emails == emails.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "emails asked in order")
        #expect(Set(emails).count == emails.count, "each email asked once")
        return emails.map { users[$0] }
    }

    mutating func store(_ users: [StoredUser]) throws {
        let batch = Array(users)
        #expect(
            batch.map(\.email) == batch.map(\.email).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) },
            "users written in email order")
        stores += batch.count
        for user in batch { self.users[user.email] = user }
    }

}

/// Keeps every queued email, and how many had been queued at each flush.
struct InMemoryOutbox: NotificationOutbox {
    struct Queued: Equatable {
        var kind: NotificationKind
        var email: String
        var line: Int
    }

    var queued: [Queued] = []
    var flushes: [Int] = []

    mutating func queue(_ notification: NotificationKind, to recipient: Recipient, line: Int) throws {
        queued.append(Queued(kind: notification, email: recipient.email, line: line))
    }

    mutating func flush() throws {
        flushes.append(queued.count)
    }
}

/// Keeps every row result, in the order the importer reports them.
struct RecordedResults: RowResultSink {
    var results: [RowResult] = []
    /// How many results had been recorded at each call of `finish`.
    var finishes: [Int] = []

    mutating func record(_ result: RowResult) throws {
        results.append(result)
    }

    mutating func finish() throws {
        finishes.append(results.count)
    }
}
