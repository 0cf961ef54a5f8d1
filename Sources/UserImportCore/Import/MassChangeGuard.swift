/// The mass-change guard: a file that would delete more of the directory than an HR feed plausibly
/// should (a truncated export, the wrong file) is held instead of applied, until a person looks.
public struct MassChangeGuard: Sendable, Equatable {
    /// The most of the users that exist before the file (invited and active) a file may delete, in percent.
    public var maxDeletePercent: Int
    /// The percentage applies only to a directory of at least this many users: in a small one, a
    /// few deletions are a large share and still ordinary.
    public var minUsersForPercent: Int
    /// The most deletions a file may make whatever the directory's size; nil: no such limit.
    public var maxDeleteRows: Int?

    public init(maxDeletePercent: Int = 20, minUsersForPercent: Int = 50, maxDeleteRows: Int? = nil) {
        self.maxDeletePercent = maxDeletePercent
        self.minUsersForPercent = minUsersForPercent
        self.maxDeleteRows = maxDeleteRows
    }

    /// Why a file that would make `deletions` deletions among `existingUsers` users is held, or
    /// nil when it may be applied.
    public func trip(deletions: Int, existingUsers: Int) -> Trip? {
        if let maxDeleteRows, deletions > maxDeleteRows {
            return Trip(deletions: deletions, existingUsers: existingUsers, limit: .rows(maxDeleteRows))
        }
        // deletions / existing > percent / 100, in integers.
        if existingUsers >= minUsersForPercent, deletions * 100 > maxDeletePercent * existingUsers {
            return Trip(
                deletions: deletions, existingUsers: existingUsers, limit: .percent(maxDeletePercent))
        }
        return nil
    }

    /// A file the guard holds, and the limit it went past.
    public struct Trip: Sendable, Equatable {
        public enum Limit: Sendable, Equatable {
            case percent(Int)
            case rows(Int)
        }

        public var deletions: Int
        public var existingUsers: Int
        public var limit: Limit

        /// The report's and the log's reason, with the way on.
        public func message(importID: Int64?) -> String {
            let share =
                existingUsers > 0
                ? " (\(deletions * 100 / existingUsers) %)" : ""
            let past: String
            switch limit {
            case .percent(let percent): past = "more than MaxDeletePercent=\(percent) allows"
            case .rows(let rows): past = "more than MaxDeleteRows=\(rows) allows"
            }
            let id = importID.map(String.init) ?? "ID"
            return
                "held by the mass-change guard: the file would delete \(deletions) of the \(existingUsers) "
                + "users that exist\(share), \(past); nothing was applied. Check the file, then run "
                + "\"userimportctl release \(id)\" to import it anyway or \"userimportctl reject \(id)\" to refuse it"
        }
    }
}
