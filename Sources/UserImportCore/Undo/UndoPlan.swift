/// A user as the directory holds it now, with the import (or undo) that wrote it last.
public struct CurrentUser: Sendable, Equatable {
    public var user: StoredUser
    public var lastImportID: Int64

    public init(user: StoredUser, lastImportID: Int64) {
        self.user = user
        self.lastImportID = lastImportID
    }
}

/// What undoing one import does to each user it changed, decided from the import's row results
/// (with the previous users they keep) and the users as the directory holds them now.
///
/// Pure: the caller reads the rows and the users (`changedEmails(in:)` says which), and applies
/// the plan in one transaction of its own. Only a user the import wrote last can be put back: a
/// later write (an import or an undo) may have built on the import's values, so that user is kept
/// as it is and listed.
public struct UndoPlan: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// The import created the user where there was none: it goes.
        case delete
        /// The user goes back to what it was before the import's first change to it: values and
        /// state (an activated user is invited again, a re-created one deleted again).
        case restore(StoredUser)
        /// Written since by import (or undo) `changedBy`: left as it is.
        case kept(changedBy: Int64)
        /// The directory no longer holds the user (only a hand-made change can do that).
        case absent
    }

    /// One user the import changed, at the line of its first change.
    public struct Step: Sendable, Equatable {
        public var line: Int
        public var email: String
        public var action: Action
        /// For the undo's report, e.g. "kept: changed by import 7".
        public var reason: String

        public init(line: Int, email: String, action: Action, reason: String) {
            self.line = line
            self.email = email
            self.action = action
            self.reason = reason
        }
    }

    /// An email the import queued for a user the undo puts back: cancelled if still pending, since
    /// it would tell of an account that is no longer there (an invitation) or no longer active
    /// (an activation).
    public struct Cancellation: Sendable, Equatable {
        public var line: Int
        public var email: String
        public var kind: NotificationKind

        public init(line: Int, email: String, kind: NotificationKind) {
            self.line = line
            self.email = email
            self.kind = kind
        }
    }

    public let importID: Int64
    /// One per user the import changed, in the order of their first change.
    public private(set) var steps: [Step] = []
    /// In line order.
    public private(set) var cancellations: [Cancellation] = []

    /// The emails whose stored users the plan needs, in the directory's key order: those of the
    /// rows that wrote a user.
    public static func changedEmails(in rows: some Sequence<RowResult>) -> [String] {
        var emails = Set<String>()
        for row in rows where wrote(row) { emails.insert(row.email) }
        return emails.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// `rows` are the import's results in file order, with the previous users kept since they are
    /// stored (results read from older chunks lack them and cannot be undone: check before);
    /// `current` holds the stored user for each of `changedEmails(in:)` that has one.
    ///
    /// With several rows for one user, the first that changed it keeps the user as it was before
    /// the import: that is what comes back. The rows after it only matter for the emails they queued.
    public init(
        undoing importID: Int64, rows: some Sequence<RowResult>, current: [String: CurrentUser]
    ) throws(UndoPlanError) {
        self.importID = importID
        // The first change of each user, in file order, and every email the import queued for it.
        var firsts: [(line: Int, email: String, previous: StoredUser?)] = []
        var queued: [String: [Cancellation]] = [:]
        var seen = Set<String>()
        for row in rows where Self.wrote(row) {
            let first = seen.insert(row.email).inserted
            let needsPrevious = row.outcome != .created || !first
            if needsPrevious && row.previous == nil { throw .previousMissing(line: row.line) }
            if first { firsts.append((row.line, row.email, row.previous)) }
            switch row.outcome {
            case .created:
                queued[row.email, default: []].append(
                    Cancellation(line: row.line, email: row.email, kind: .invitation))
            case .activated:
                queued[row.email, default: []].append(
                    Cancellation(line: row.line, email: row.email, kind: .activation))
            default:
                break
            }
        }
        for first in firsts {
            let step = Self.step(
                first.line, first.email, previous: first.previous, now: current[first.email], importID)
            steps.append(step)
            switch step.action {
            case .delete, .restore: cancellations += queued[first.email] ?? []
            case .kept, .absent: break
            }
        }
        cancellations.sort { $0.line < $1.line }
    }

    /// Whether the row wrote its user: an updated row that found nothing new keeps no previous user.
    public static func wrote(_ row: RowResult) -> Bool {
        switch row.outcome {
        case .created, .deleted, .activated: return true
        case .updated: return row.previous != nil
        case .unchanged, .ignored, .rejected: return false
        }
    }

    private static func step(
        _ line: Int, _ email: String, previous: StoredUser?, now: CurrentUser?, _ importID: Int64
    ) -> Step {
        guard let now else {
            return Step(
                line: line, email: email, action: .absent, reason: "nothing to undo: no longer stored")
        }
        guard now.lastImportID == importID else {
            return Step(
                line: line, email: email, action: .kept(changedBy: now.lastImportID),
                reason: "kept: changed by import \(now.lastImportID)")
        }
        guard let previous else {
            return Step(line: line, email: email, action: .delete, reason: "deleted: created by this import")
        }
        let reason: String
        if previous.state == .deleted {
            reason = "deleted again: re-created by this import"
        } else if now.user.state == .deleted {
            reason = "undeleted, with its previous values"
        } else if previous.state == .invited && now.user.state == .active {
            reason =
                previous.profile == now.user.profile
                ? "invited again" : "invited again, with its previous values"
        } else {
            reason = "previous values restored"
        }
        return Step(line: line, email: email, action: .restore(previous), reason: reason)
    }
}

/// Row results an undo cannot work from.
public enum UndoPlanError: Error, Equatable, CustomStringConvertible {
    /// A row that changed a stored user keeps no previous user: the results were stored before
    /// imports kept them, or are damaged.
    case previousMissing(line: Int)

    public var description: String {
        switch self {
        case .previousMissing(let line):
            return "line \(line) changed a user but its previous values were not kept; "
                + "this import cannot be undone"
        }
    }
}
