extension UndoPlan.Step {
    /// The step as a row of the undo's report: the line and address of the undone import's first
    /// change to the user, what the undo did, and why.
    public var result: RowResult {
        let outcome: RowOutcome
        switch action {
        case .delete: outcome = .deleted
        case .restore(let previous): outcome = previous.state == .deleted ? .deleted : .updated
        case .kept, .absent: outcome = .unchanged
        }
        return RowResult(line: line, email: email, status: "Undo", outcome: outcome, reason: reason)
    }
}

extension UndoPlan {
    /// The email a row queued, which the undo cancels when it puts the row's user back.
    public static func queuedEmail(of row: RowResult) -> Cancellation? {
        switch row.outcome {
        case .created: return Cancellation(line: row.line, email: row.email, kind: .invitation)
        case .activated: return Cancellation(line: row.line, email: row.email, kind: .activation)
        default: return nil
        }
    }
}
