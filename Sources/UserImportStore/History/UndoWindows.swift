import UserImportCore

/// The plan of an undo, a window of rows at a time, so memory stays flat whatever the import's
/// size; the daemon applies each window and `userimportctl undo --dry-run` prints it, from the same
/// plan. Each window plans the users its rows change first; the store's lookups remember across
/// windows (in a TEMP table, so memory stays flat and a read-only connection can plan too) whom an earlier window put back,
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
    private let lookups: any UndoLookups
    private var finished = false
    /// Why the windows stopped early (an `UndoRefusal` or a database error); nil when they ran out.
    public private(set) var failure: Error?

    /// The windows of an undo of `target` in the SQLite file.
    public convenience init(database: ImportDatabase, undoing target: Int64, windowRows: Int) throws {
        let lookups = try SQLiteUndoLookups(database: database)
        let rows = try ImportHistory(database: database).rows(importID: target)
        self.init(rows: rows, lookups: lookups, undoing: target, windowRows: windowRows)
    }

    /// Over any store: its row results of `target` and its lookups.
    public init(rows: RowResultCursor, lookups: any UndoLookups, undoing target: Int64, windowRows: Int) {
        self.target = target
        self.windowRows = Swift.max(windowRows, 1)
        self.rows = rows
        self.lookups = lookups
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
        let written = window.filter(UndoPlan.wrote)
        let earlier = try lookups.putBack(emails: Array(Set(written.map(\.email))))
        for row in written {
            if freshEmails.contains(row.email) {
                fresh.append(row)
                continue
            }
            if let putBack = earlier[row.email] {
                if putBack, let email = UndoPlan.queuedEmail(of: row) { later.append(email) }
            } else {
                freshEmails.insert(row.email)
                fresh.append(row)
            }
        }
        let current = try lookups.current(emails: UndoPlan.changedEmails(in: fresh))
        let plan: UndoPlan
        do {
            plan = try UndoPlan(undoing: target, rows: fresh, current: current)
        } catch {
            throw UndoRefusal.storedWithoutPreviousValues(target)
        }
        try lookups.remember(
            plan.steps.map { step in
                switch step.action {
                case .delete, .restore: (step.email, true)
                case .kept, .absent: (step.email, false)
                }
            })
        return Window(plan: plan, laterCancellations: later)
    }
}

/// What planning an undo asks the store, a window at a time: whom an earlier window planned
/// (and whether it put them back), and the users as they are now.
public protocol UndoLookups: AnyObject {
    /// For each email an earlier window planned: true when it deleted or restored the user.
    func putBack(emails: [String]) throws -> [String: Bool]
    func remember(_ planned: [(email: String, putBack: Bool)]) throws
    /// The stored user of each email that has one, with the import that wrote it last.
    func current(emails: [String]) throws -> [String: CurrentUser]
}

/// The lookups in the SQLite file: `undo_seen` a TEMP table, so a read-only connection can plan too.
final class SQLiteUndoLookups: UndoLookups {
    private let seen: SQLiteStatement
    private let insert: SQLiteStatement
    private let select: SQLiteStatement

    init(database: ImportDatabase) throws {
        let connection = database.connection
        try connection.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS undo_seen (email TEXT PRIMARY KEY, put_back INTEGER NOT NULL)
                WITHOUT ROWID;
            DELETE FROM temp.undo_seen;
            """)
        seen = try connection.prepare("SELECT put_back FROM temp.undo_seen WHERE email = ?")
        insert = try connection.prepare("INSERT INTO temp.undo_seen (email, put_back) VALUES (?, ?)")
        select = try connection.prepare(
            "SELECT \(UserQueries.columns), last_import_id FROM users WHERE email = ?")
    }

    func putBack(emails: [String]) throws -> [String: Bool] {
        var result: [String: Bool] = [:]
        for email in emails {
            try seen.bind(.text(email))
            if try seen.step() { result[email] = seen.int(0) == 1 }
            seen.reset()
        }
        return result
    }

    func remember(_ planned: [(email: String, putBack: Bool)]) throws {
        for (email, putBack) in planned { try insert.run(.text(email), .int(putBack ? 1 : 0)) }
    }

    func current(emails: [String]) throws -> [String: CurrentUser] {
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
