import UserImportCore

/// The plan of an undo, a window of rows at a time, so memory stays flat whatever the import's
/// size; the daemon applies each window and `userimportctl undo --dry-run` prints it, from the same
/// plan. Each window plans the users its rows change first; `undo_seen` (a TEMP table, so a
/// read-only connection can plan too) remembers across windows whom an earlier window put back,
/// for the emails their later rows queued. Planning reads the directory but writes none of it: a
/// window only plans users no earlier window planned, so applying one changes no later plan.
public final class UndoWindows: Sequence, IteratorProtocol {
    public struct Window {
        public var plan: UndoPlan
        /// Emails queued by rows of users an earlier window put back: cancelled too.
        public var laterCancellations: [UndoPlan.Cancellation]
    }

    private let target: Int64
    private let windowRows: Int
    private let rows: RowResultCursor
    private let select: SQLiteStatement
    private let seen: SQLiteStatement
    private let remember: SQLiteStatement
    private var finished = false
    /// Why the windows stopped early (an `UndoRefusal` or a database error); nil when they ran out.
    public private(set) var failure: Error?

    public init(database: ImportDatabase, undoing target: Int64, windowRows: Int) throws {
        self.target = target
        self.windowRows = Swift.max(windowRows, 1)
        let connection = database.connection
        try connection.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS undo_seen (email TEXT PRIMARY KEY, put_back INTEGER NOT NULL)
                WITHOUT ROWID;
            DELETE FROM temp.undo_seen;
            """)
        seen = try connection.prepare("SELECT put_back FROM temp.undo_seen WHERE email = ?")
        remember = try connection.prepare("INSERT INTO temp.undo_seen (email, put_back) VALUES (?, ?)")
        select = try connection.prepare(
            "SELECT \(UserQueries.columns), last_import_id FROM users WHERE email = ?")
        rows = try ImportHistory(database: database).rows(importID: target)
    }

    public func next() -> Window? {
        guard !finished else { return nil }
        var window: [RowResult] = []
        window.reserveCapacity(Swift.min(windowRows, 1024))
        while window.count < windowRows, let row = rows.next() { window.append(row) }
        if window.count < windowRows { finished = true }
        do {
            if let failure = rows.failure { throw failure }
            if rows.lacksPrevious { throw UndoRefusal.storedWithoutPreviousValues(target) }
            if window.isEmpty { return nil }
            return try plan(window)
        } catch {
            failure = error
            finished = true
            return nil
        }
    }

    private func plan(_ window: [RowResult]) throws -> Window {
        var fresh: [RowResult] = []
        var later: [UndoPlan.Cancellation] = []
        var freshEmails = Set<String>()
        for row in window where UndoPlan.wrote(row) {
            if freshEmails.contains(row.email) {
                fresh.append(row)
                continue
            }
            try seen.bind(.text(row.email))
            let earlier = try seen.step() ? seen.int(0) : nil
            seen.reset()
            if let earlier {
                if earlier == 1, let email = UndoPlan.queuedEmail(of: row) { later.append(email) }
            } else {
                freshEmails.insert(row.email)
                fresh.append(row)
            }
        }
        let current = try current(emails: UndoPlan.changedEmails(in: fresh))
        let plan: UndoPlan
        do {
            plan = try UndoPlan(undoing: target, rows: fresh, current: current)
        } catch {
            throw UndoRefusal.storedWithoutPreviousValues(target)
        }
        for step in plan.steps {
            let putBack: Int64
            switch step.action {
            case .delete, .restore: putBack = 1
            case .kept, .absent: putBack = 0
            }
            try remember.run(.text(step.email), .int(putBack))
        }
        return Window(plan: plan, laterCancellations: later)
    }

    /// The stored user of each email that has one, with the import that wrote it last.
    private func current(emails: [String]) throws -> [String: CurrentUser] {
        var result: [String: CurrentUser] = [:]
        for email in emails {
            try select.bind(.text(email))
            if try select.step() {
                result[email] = CurrentUser(user: try UserQueries.read(select), lastImportID: select.int(8))
            }
            select.reset()
        }
        return result
    }
}
