import UserImportCore

/// Imports the mass-change guard held, and the decisions people take on them. A decision is
/// recorded (`held_actions`) before its file is moved, and cleared in the transaction that carries
/// it out, so a restart in between finishes it, once.
public final class HeldImports {
    private let connection: SQLiteConnection

    public init(database: ImportDatabase) {
        connection = database.connection
    }

    /// A decision taken on a held import and not yet carried out.
    public struct Pending: Sendable, Equatable {
        public var importID: Int64
        public var action: HeldAction
        public var decision: HeldDecision
        /// Recorded by the daemon reading it (always, on a SQLite file: one daemon has it), or by
        /// a build before daemons said which. One recorded by another daemon sharing held/ is
        /// being carried out there.
        public var recordedHere: Bool

        public init(importID: Int64, action: HeldAction, decision: HeldDecision, recordedHere: Bool = true) {
            self.importID = importID
            self.action = action
            self.decision = decision
            self.recordedHere = recordedHere
        }
    }

    /// Held imports waiting for a decision, oldest first.
    public func waiting() throws -> [ImportRecord] {
        let statement = try connection.prepare(
            """
            SELECT \(ImportHistory.columns) FROM imports
            WHERE disposition = 'held' AND released_as IS NULL AND published = 1 ORDER BY id
            """)
        var result: [ImportRecord] = []
        while try statement.step() { result.append(try ImportHistory.read(statement)) }
        return result
    }

    /// Records a decision, unless one is recorded already: the one recorded first stands.
    /// Returns the decision that stands.
    public func record(_ action: HeldAction, on importID: Int64, _ decision: HeldDecision) throws -> Pending {
        try connection.prepare(
            "INSERT OR IGNORE INTO held_actions (import_id, action, by_uid, by_name, at) VALUES (?, ?, ?, ?, ?)"
        ).run(
            .int(importID), .text(action.rawValue), .int(Int64(decision.byUID)),
            .optionalText(decision.byName),
            .int(decision.at.millisecondsSinceEpoch))
        guard let pending = try pending(importID: importID) else {
            throw StoreError.corruptRecord("held action for import \(importID) not kept")
        }
        return pending
    }

    public func pending(importID: Int64) throws -> Pending? {
        try pending(where: "h.import_id = ?", .int(importID))
    }

    /// The pending decision on the held import whose file was moved into the work folder as `workName`.
    public func pending(workName: FileName) throws -> Pending? {
        try pending(where: "i.work_name = ? AND i.disposition = 'held'", .blob(workName.bytes))
    }

    /// The held import with these bytes whose release is pending: the import that reads them lifts
    /// the guard and completes the release (`completeRelease`).
    public func pendingRelease(sha256: String) throws -> Pending? {
        try pending(
            where: "h.action = 'release' AND i.sha256 = ? AND i.disposition = 'held' "
                + "AND i.released_as IS NULL",
            .text(sha256))
    }

    /// Inside the releasing import's transaction: the held import now points at it, keeps who
    /// released it, and the decision is carried out.
    public func completeRelease(_ pending: Pending, as releaseID: Int64, path: String?) throws {
        try connection.prepare(
            """
            UPDATE imports SET released_as = ?2, path = ?3, decided_by_uid = ?4, decided_by_name = ?5,
                decided_at = ?6
            WHERE id = ?1
            """
        ).run(
            .int(pending.importID), .int(releaseID), .optionalText(path), .int(Int64(pending.decision.byUID)),
            .optionalText(pending.decision.byName), .int(pending.decision.at.millisecondsSinceEpoch))
        try clear(pending)
    }

    /// Clears a decision carried out (or one that can no longer be).
    public func clear(_ pending: Pending) throws {
        try connection.prepare("DELETE FROM held_actions WHERE import_id = ?").run(.int(pending.importID))
    }

    /// `held_actions` is walked first (CROSS JOIN keeps that order) and each import found by its
    /// id: the table holds a few rows, the history years of them, and no index on sha256 or
    /// work_name covers held imports.
    private func pending(where condition: String, _ value: SQLiteValue) throws -> Pending? {
        let statement = try connection.prepare(
            """
            SELECT h.import_id, h.action, h.by_uid, h.by_name, h.at
            FROM held_actions AS h CROSS JOIN imports AS i ON i.id = h.import_id
            WHERE \(condition) ORDER BY h.import_id LIMIT 1
            """)
        try statement.bind(value)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        let actionText = statement.text(1)
        guard let action = HeldAction(rawValue: actionText) else {
            throw StoreError.corruptRecord("held action \(actionText)")
        }
        return Pending(
            importID: statement.int(0), action: action,
            decision: HeldDecision(
                byUID: UInt32(truncatingIfNeeded: statement.int(2)), byName: statement.optionalText(3),
                at: Timestamp(millisecondsSinceEpoch: statement.int(4))))
    }
}
