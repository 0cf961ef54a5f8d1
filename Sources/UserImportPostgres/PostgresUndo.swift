import UserImportCore
import UserImportStore

/// An undo on PostgreSQL, inside the undo's transaction, as the SQLite store runs it: the same
/// windows and plan (`UndoWindows`, `UndoPlan`), the users written back, a row result per user,
/// and the undone import's pending emails cancelled (its blocks made rows first).
public enum PostgresUndo {
    public static func reverse(
        _ target: Int64, as undoID: Int64, now: Timestamp, windowRows: Int, on connection: PostgresConnection
    ) throws -> ImportSummary {
        let history = PostgresImportHistory(connection: connection)
        // Another daemon's retention may be pruning this import's rows: waited for and then seen
        // (a refusal), and its later steps pass this import by while the undo holds it.
        try connection.query("SELECT 1 FROM imports WHERE id = $1 FOR SHARE", [String(target)])
        if let refusal = UndoRefusal.of(try history.record(id: target), id: target) { throw refusal }
        // A row result per user written back names each of them: the search's trigger for
        // other writers is skipped, as for an import.
        try connection.execute("SET LOCAL userimport.importing = 'on'")
        var results = PostgresRowResultWriter(connection: connection, importID: undoID)
        var summary = ImportSummary()
        try PostgresOutboxQueue.expandAll(importID: target, on: connection)
        let windows = UndoWindows(
            rows: history.rows(importID: target), lookups: try PostgresUndoLookups(connection: connection),
            undoing: target, windowRows: windowRows)
        for window in windows {
            let plan = window.plan
            try apply(plan.steps, undoID: undoID, now: now, on: connection)
            for step in plan.steps {
                summary.counts[step.result.outcome] += 1
                try results.record(step.result)
            }
            try cancel(plan.cancellations + window.laterCancellations, of: target, on: connection)
            summary.rows += plan.steps.count
        }
        if let failure = windows.failure { throw failure }
        try results.finish()
        return summary
    }

    /// Cancels the import's emails that are still pending. An email another daemon is sending at
    /// this moment holds its row (`PostgresOutboxQueue.whilePending`): the update waits for the
    /// send, and a daemon that looks after the undo commits finds the email cancelled.
    ///
    /// Every other row is locked first, at once: the update alone, waiting on the email being
    /// sent, would leave the rows after it free for the sender's next emails meanwhile.
    static func cancel(
        _ cancellations: [UndoPlan.Cancellation], of importID: Int64, on connection: PostgresConnection
    ) throws {
        let parameters = [
            String(importID), PostgresArray.integers(cancellations.map { Int64($0.line) }),
            PostgresArray.text(cancellations.map(\.kind.rawValue)),
        ]
        let cancelled = "unnest($2::bigint[], $3::text[]) AS c(line, kind)"
        let pending = """
            outbox.import_id = $1 AND outbox.line = c.line AND outbox.kind = c.kind
                AND outbox.state = 'pending'
            """
        try connection.query(
            "SELECT outbox.id FROM outbox, \(cancelled) WHERE \(pending) FOR UPDATE OF outbox SKIP LOCKED",
            parameters)
        try connection.query(
            "UPDATE outbox SET state = 'cancelled' FROM \(cancelled) WHERE \(pending)", parameters)
    }

    /// A user the import created goes; one it changed gets its previous values and state back,
    /// written by the undo. Kept and absent users are left alone.
    static func apply(
        _ steps: [UndoPlan.Step], undoID: Int64, now: Timestamp, on connection: PostgresConnection
    )
        throws
    {
        var deleted: [String] = []
        var restored: [StoredUser] = []
        for step in steps {
            switch step.action {
            case .delete: deleted.append(step.email)
            case .restore(let previous):
                restored.append(
                    StoredUser(email: step.email, profile: previous.profile, state: previous.state))
            case .kept, .absent: break
            }
        }
        if !deleted.isEmpty {
            try connection.query(
                "DELETE FROM users WHERE email = ANY ($1::text[])", [PostgresArray.text(deleted)])
        }
        guard !restored.isEmpty else { return }
        func column(_ value: (StoredUser) -> String) -> String { PostgresArray.text(restored.map(value)) }
        try connection.query(
            """
            UPDATE users SET first_name = r.first_name, last_name = r.last_name, alternate_id = r.alternate_id,
                work_phone = r.work_phone, title = r.title, department = r.department, state = r.state,
                updated_at = $9, last_import_id = $10
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                        $8::text[])
                AS r(email, first_name, last_name, alternate_id, work_phone, title, department, state)
            WHERE users.email = r.email
            """,
            [
                column(\.email), column(\.profile.firstName), column(\.profile.lastName),
                column(\.profile.alternateID), column(\.profile.workPhone), column(\.profile.title),
                column(\.profile.department), column(\.state.rawValue), String(now.millisecondsSinceEpoch),
                String(undoID),
            ])
    }
}

/// The undo's lookups on the server: whom earlier windows planned, in a TEMP table (memory stays
/// flat over a million rows), and the users as they are.
public final class PostgresUndoLookups: UndoLookups {
    private let connection: PostgresConnection

    /// Inside a transaction that may write (a TEMP table), which `undo --dry-run` rolls back.
    public init(connection: PostgresConnection) throws {
        self.connection = connection
        try connection.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS userimport_undo_seen (
                email text COLLATE "C" PRIMARY KEY, put_back boolean NOT NULL);
            TRUNCATE userimport_undo_seen;
            """)
    }

    public func putBack(emails: [String]) throws -> [String: Bool] {
        guard !emails.isEmpty else { return [:] }
        var result: [String: Bool] = [:]
        for row in try connection.query(
            "SELECT email, put_back FROM userimport_undo_seen WHERE email = ANY ($1::text[])",
            [PostgresArray.text(emails)])
        {
            guard row.count == 2, let email = row[0] else {
                throw PostgresError(.data, message: "an undo's planned user without its email")
            }
            result[email] = row[1] == "t"
        }
        return result
    }

    public func remember(_ planned: [(email: String, putBack: Bool)]) throws {
        guard !planned.isEmpty else { return }
        try connection.query(
            "INSERT INTO userimport_undo_seen SELECT * FROM unnest($1::text[], $2::boolean[])",
            [
                PostgresArray.text(planned.map(\.email)),
                "{" + planned.map { $0.putBack ? "t" : "f" }.joined(separator: ",") + "}",
            ])
    }

    public func current(emails: [String]) throws -> [String: CurrentUser] {
        guard !emails.isEmpty else { return [:] }
        var result: [String: CurrentUser] = [:]
        for row in try connection.query(
            "SELECT \(PostgresUserDirectory.columns), last_import_id FROM users WHERE email = ANY ($1::text[])",
            [PostgresArray.text(emails)])
        {
            let user = try PostgresUserDirectory.user(Array(row.prefix(8)))
            result[user.email] = CurrentUser(
                user: user,
                lastImportID: try PostgresImportHistory.int(row.count == 9 ? row[8] : nil, "a user's import"))
        }
        return result
    }
}
