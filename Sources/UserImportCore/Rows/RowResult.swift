/// What a row did, as the report and the history record it.
public enum RowOutcome: String, Sendable, CaseIterable, Codable {
    case created, updated, unchanged, deleted, activated, ignored, rejected
}

public struct RowResult: Sendable, Equatable {
    public var line: Int
    /// The stored key for a valid address; the cell as written otherwise.
    public var email: String
    /// The status cell: canonical spelling when recognised, as written otherwise.
    public var status: String
    public var outcome: RowOutcome
    public var reason: String
    /// The record's cells as they came, kept for a row that was not applied (rejected or ignored),
    /// for the file of rows to fix; nil for every other row.
    public var cells: [String]?
    /// The user as stored just before this row changed it, for undoing the import: set on every
    /// row that wrote a user who was stored already (updated, deleted, activated, and created when
    /// the stored user was deleted), nil when the row wrote nothing or created a user from nothing.
    ///
    /// Each changing row keeps the state the rows before it left, so with several rows for one
    /// email the first changing row's `previous` is the user as it was before the import, the
    /// state an undo goes back to.
    public var previous: StoredUser? {
        get { previousBox?.user }
        set { previousBox = newValue.map(PreviousUser.init) }
    }
    /// Boxed: a StoredUser inline would make every result of a million-row import, New rows
    /// included, over a hundred bytes larger to copy through the batches.
    private var previousBox: PreviousUser?

    public init(
        line: Int, email: String, status: String, outcome: RowOutcome, reason: String, cells: [String]? = nil,
        previous: StoredUser? = nil
    ) {
        self.line = line
        self.email = email
        self.status = status
        self.outcome = outcome
        self.reason = reason
        self.cells = cells
        self.previous = previous
    }
}

/// The previous user of a row result, behind one reference.
final class PreviousUser: Sendable, Equatable {
    let user: StoredUser

    init(_ user: StoredUser) {
        self.user = user
    }

    static func == (lhs: PreviousUser, rhs: PreviousUser) -> Bool { lhs.user == rhs.user }
}

/// Per-outcome totals for one import.
public struct OutcomeCounts: Sendable, Equatable, Codable {
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public var deleted = 0
    public var activated = 0
    public var ignored = 0
    public var rejected = 0

    public init() {}

    public subscript(outcome: RowOutcome) -> Int {
        get {
            switch outcome {
            case .created: return created
            case .updated: return updated
            case .unchanged: return unchanged
            case .deleted: return deleted
            case .activated: return activated
            case .ignored: return ignored
            case .rejected: return rejected
            }
        }
        set {
            switch outcome {
            case .created: created = newValue
            case .updated: updated = newValue
            case .unchanged: unchanged = newValue
            case .deleted: deleted = newValue
            case .activated: activated = newValue
            case .ignored: ignored = newValue
            case .rejected: rejected = newValue
            }
        }
    }

    public var total: Int { RowOutcome.allCases.reduce(0) { $0 + self[$1] } }
}
