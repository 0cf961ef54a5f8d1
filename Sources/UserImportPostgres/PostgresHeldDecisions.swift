import UserImportCore
import UserImportStore

/// A person's decisions on held imports, on PostgreSQL: recorded before they are carried out, so
/// a restart (of any daemon on the database) finishes them once. The same rules as `HeldImports`.
public struct PostgresHeldDecisions {
    private let connection: PostgresConnection
    /// The daemon (host and work folder) recording decisions here, kept with each.
    private let daemon: String

    public init(connection: PostgresConnection, daemon: String) {
        self.connection = connection
        self.daemon = daemon
    }

    /// Records `action` unless a decision is already pending; returns the pending one.
    public func record(_ action: HeldAction, on importID: Int64, _ decision: HeldDecision) throws
        -> HeldImports.Pending
    {
        try connection.query(
            """
            INSERT INTO held_actions (import_id, action, by_uid, by_name, at, daemon)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (import_id) DO NOTHING
            """,
            [
                String(importID), action.rawValue, String(decision.byUID), decision.byName,
                String(decision.at.millisecondsSinceEpoch), daemon,
            ])
        guard let pending = try pending(where: "h.import_id = $1", String(importID)) else {
            throw PostgresError(.data, message: "the decision on import \(importID) was not recorded")
        }
        return pending
    }

    public func pending(workName: FileName) throws -> HeldImports.Pending? {
        try pending(
            where: "i.work_name = decode($1, 'hex') AND i.disposition = 'held'",
            workName.bytes.map { String(format: "%02x", $0) }.joined())
    }

    public func pendingRelease(sha256: String) throws -> HeldImports.Pending? {
        try pending(
            where:
                "h.action = 'release' AND i.sha256 = $1 AND i.disposition = 'held' AND i.released_as IS NULL",
            sha256)
    }

    /// Inside the releasing import's transaction: the held import points at it and keeps who
    /// released it; the decision is carried out.
    public func completeRelease(_ pending: HeldImports.Pending, as releaseID: Int64, path: String?) throws {
        try connection.query(
            """
            UPDATE imports SET released_as = $2, path = $3, decided_by_uid = $4, decided_by_name = $5,
                decided_at = $6
            WHERE id = $1
            """,
            [
                String(pending.importID), String(releaseID), path, String(pending.decision.byUID),
                pending.decision.byName, String(pending.decision.at.millisecondsSinceEpoch),
            ])
        try clear(pending)
    }

    public func clear(_ pending: HeldImports.Pending) throws {
        try connection.query("DELETE FROM held_actions WHERE import_id = $1", [String(pending.importID)])
    }

    private func pending(where condition: String, _ value: String) throws -> HeldImports.Pending? {
        guard
            let row = try connection.query(
                """
                SELECT h.import_id, h.action, h.by_uid, h.by_name, h.at, h.daemon IS NULL OR h.daemon = $2
                FROM held_actions AS h JOIN imports AS i ON i.id = h.import_id
                WHERE \(condition) ORDER BY h.import_id LIMIT 1
                """,
                [value, daemon]
            ).first
        else { return nil }
        guard row.count == 6, let actionText = row[1], let action = HeldAction(rawValue: actionText) else {
            throw PostgresError(.data, message: "a held action that is neither release nor reject")
        }
        return HeldImports.Pending(
            importID: try PostgresImportHistory.int(row[0], "a held import's id"), action: action,
            decision: HeldDecision(
                byUID: UInt32(truncatingIfNeeded: try PostgresImportHistory.int(row[2], "a decider's uid")),
                byName: row[3],
                at: Timestamp(millisecondsSinceEpoch: try PostgresImportHistory.int(row[4], "a time"))),
            recordedHere: row[5] == "t")
    }
}

extension PostgresHeldDecisions: HeldDecisionRecords {}
