import Testing
import UserImportCore

/// The user directory as a dictionary that also keeps which import wrote each user last, as the
/// `users` table does: what an undo needs to tell a user it may put back from one it must keep.
struct TrackedDirectory: UserDirectory {
    var users: [String: CurrentUser] = [:]
    /// The import (or undo) whose writes `store` stamps.
    var writer: Int64 = 0

    mutating func users(emails: [String]) throws -> [StoredUser?] {
        emails.map { users[$0]?.user }
    }

    mutating func store(_ batch: [StoredUser]) throws {
        for user in batch { users[user.email] = CurrentUser(user: user, lastImportID: writer) }
    }

    /// One import of `text` as import `id`: its row results and the emails it queued.
    mutating func importFile(_ text: String, id: Int64) throws -> (
        rows: [RowResult], queued: [InMemoryOutbox.Queued]
    ) {
        writer = id
        var source = BytesSource(Array(text.utf8))
        var outbox = InMemoryOutbox()
        var sink = RecordedResults()
        let summary = try Importer(options: ImportOptions()).run(
            source: &source, directory: &self, outbox: &outbox, results: &sink)
        #expect(summary.error == nil)
        return (sink.results, outbox.queued)
    }

    /// The plan for undoing import `id` from its rows, against the users as stored now.
    func plan(undoing id: Int64, rows: [RowResult]) throws -> UndoPlan {
        var current: [String: CurrentUser] = [:]
        for email in UndoPlan.changedEmails(in: rows) { current[email] = users[email] }
        return try UndoPlan(undoing: id, rows: rows, current: current)
    }

    /// Applies a plan as the undo `undoID` would: deleted users go, restored ones are written
    /// (stamped with the undo), kept ones stay.
    mutating func apply(_ plan: UndoPlan, as undoID: Int64) {
        for step in plan.steps {
            switch step.action {
            case .delete: users[step.email] = nil
            case .restore(let user): users[step.email] = CurrentUser(user: user, lastImportID: undoID)
            case .kept, .absent: break
            }
        }
    }
}
