/// The emails an import queues, in the same transaction as the change that causes them.
public enum NotificationKind: String, Sendable, Codable, CaseIterable {
    case invitation, activation
}

/// What one valid row does to the directory.
public struct RowDecision: Sendable, Equatable {
    public var outcome: RowOutcome
    public var reason: String
    /// The user as it must be stored afterwards; nil when nothing is written.
    public var write: StoredUser?
    public var notification: NotificationKind?
}

/// The table of what each row does (the README's "The input format") — the one place where a row's outcome is decided.
public enum RowRules {
    public static func decide(_ row: UserRow, current: StoredUser?) -> RowDecision {
        let live = current.flatMap { $0.state == .deleted ? nil : $0 }
        switch (row.status, live) {
        case (.new, nil):
            let user = StoredUser(email: row.email, profile: row.profile, state: .invited)
            return RowDecision(
                outcome: .created, reason: "invitation queued", write: user, notification: .invitation)
        case (.new, let existing?):
            var user = existing
            user.profile = existing.profile.overlaid(with: row.profile)
            return RowDecision(
                outcome: .updated, reason: "already exists; no invitation sent",
                write: user == existing ? nil : user, notification: nil)
        case (.update, let existing?):
            var user = existing
            user.profile = existing.profile.overlaid(with: row.profile)
            if user == existing {
                return RowDecision(
                    outcome: .unchanged, reason: "nothing differs", write: nil, notification: nil)
            }
            return RowDecision(outcome: .updated, reason: "profile updated", write: user, notification: nil)
        case (.delete, let existing?):
            var user = existing
            user.state = .deleted
            return RowDecision(outcome: .deleted, reason: "account deleted", write: user, notification: nil)
        case (.activate, let existing?) where existing.state == .invited:
            var user = existing
            user.state = .active
            return RowDecision(
                outcome: .activated, reason: "activation email queued", write: user, notification: .activation
            )
        case (.activate, _?):
            return RowDecision(outcome: .unchanged, reason: "already active", write: nil, notification: nil)
        case (.update, nil), (.delete, nil), (.activate, nil):
            return RowDecision(outcome: .rejected, reason: "no such user", write: nil, notification: nil)
        }
    }
}
