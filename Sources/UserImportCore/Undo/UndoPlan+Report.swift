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
