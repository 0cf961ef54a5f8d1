import Testing
import UserImportCore

struct RowRulesTests {
    static let email = "ann@example.com"
    static let stored = UserProfile(firstName: "Ann", lastName: "Lee", alternateID: "E-1", title: "Engineer")

    /// A validated row, built the way the importer builds it.
    static func row(
        _ status: UserStatus, first: String = "Ann", last: String = "Lee", alternateID: String = "",
        title: String = "Manager"
    ) throws -> UserRow {
        let header = try HeaderMap(
            header: CSVRecord(
                line: 1,
                fields: ["Email ID", "First Name", "Last Name", "Alternate ID", "Title", "User Status"]))
        let record = CSVRecord(
            line: 2, fields: ["Ann@Example.com", first, last, alternateID, title, status.rawValue])
        guard case .valid(let row) = RowValidator(header: header).parse(record) else {
            throw RowRulesTestError.rowDidNotValidate
        }
        return row
    }

    static func user(_ state: UserState?) -> StoredUser? {
        state.map { StoredUser(email: email, profile: stored, state: $0) }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var status: UserStatus
        var state: UserState?
        var outcome: RowOutcome
        var reason: String
        /// The state written afterwards; nil when nothing is written.
        var writes: UserState?
        var notification: NotificationKind?

        var testDescription: String { "\(status.rawValue) × \(state?.rawValue ?? "absent")" }
    }

    /// the README's "The input format", one case per cell of the table.
    static let table: [Case] = [
        Case(
            status: .new, state: nil, outcome: .created, reason: "invitation queued", writes: .invited,
            notification: .invitation),
        Case(
            status: .new, state: .deleted, outcome: .created, reason: "invitation queued", writes: .invited,
            notification: .invitation),
        Case(
            status: .new, state: .invited, outcome: .updated, reason: "already exists; no invitation sent",
            writes: .invited),
        Case(
            status: .new, state: .active, outcome: .updated, reason: "already exists; no invitation sent",
            writes: .active),
        Case(status: .update, state: nil, outcome: .rejected, reason: "no such user"),
        Case(status: .update, state: .deleted, outcome: .rejected, reason: "no such user"),
        Case(
            status: .update, state: .invited, outcome: .updated, reason: "profile updated", writes: .invited),
        Case(status: .update, state: .active, outcome: .updated, reason: "profile updated", writes: .active),
        Case(status: .delete, state: nil, outcome: .rejected, reason: "no such user"),
        Case(status: .delete, state: .deleted, outcome: .rejected, reason: "no such user"),
        Case(
            status: .delete, state: .invited, outcome: .deleted, reason: "account deleted", writes: .deleted),
        Case(status: .delete, state: .active, outcome: .deleted, reason: "account deleted", writes: .deleted),
        Case(status: .activate, state: nil, outcome: .rejected, reason: "no such user"),
        Case(status: .activate, state: .deleted, outcome: .rejected, reason: "no such user"),
        Case(
            status: .activate, state: .invited, outcome: .activated, reason: "activation email queued",
            writes: .active, notification: .activation),
        Case(status: .activate, state: .active, outcome: .unchanged, reason: "already active"),
    ]

    @Test(arguments: table)
    func specTable(_ rule: Case) throws {
        let decision = RowRules.decide(try Self.row(rule.status), current: Self.user(rule.state))
        #expect(decision.outcome == rule.outcome)
        #expect(decision.reason == rule.reason)
        #expect(decision.write?.state == rule.writes)
        #expect(decision.notification == rule.notification)
        if let written = decision.write {
            #expect(written.email == Self.email)
        }
    }

    @Test func newUserIsStoredWithTheRowsProfile() throws {
        let decision = RowRules.decide(try Self.row(.new, alternateID: "E-9"), current: nil)
        #expect(
            decision.write
                == StoredUser(
                    email: Self.email,
                    profile: UserProfile(
                        firstName: "Ann", lastName: "Lee", alternateID: "E-9", title: "Manager"),
                    state: .invited))
    }

    @Test func newForDeletedUserStartsAFreshProfile() throws {
        let decision = RowRules.decide(
            try Self.row(.new, first: "Anne", title: ""), current: Self.user(.deleted))
        #expect(decision.outcome == .created)
        #expect(decision.notification == .invitation)
        #expect(decision.write?.profile == UserProfile(firstName: "Anne", lastName: "Lee"))
        #expect(decision.write?.state == .invited)
    }

    @Test(arguments: [UserState.invited, .active])
    func updateOverlaysOnlyFilledCells(state: UserState) throws {
        let decision = RowRules.decide(
            try Self.row(.update, first: "Anne", title: ""), current: Self.user(state))
        #expect(decision.outcome == .updated)
        #expect(
            decision.write?.profile
                == UserProfile(firstName: "Anne", lastName: "Lee", alternateID: "E-1", title: "Engineer"))
    }

    @Test(arguments: [UserState.invited, .active])
    func updateWithOnlyEmptyOptionalCellsIsUnchanged(state: UserState) throws {
        let decision = RowRules.decide(try Self.row(.update, title: ""), current: Self.user(state))
        #expect(decision.outcome == .unchanged)
        #expect(decision.write == nil)
        #expect(decision.notification == nil)
    }

    @Test func updateWithTheSameValuesIsUnchanged() throws {
        let decision = RowRules.decide(
            try Self.row(.update, alternateID: "E-1", title: "Engineer"), current: Self.user(.active))
        #expect(decision.outcome == .unchanged)
        #expect(decision.write == nil)
    }

    @Test func newForExistingUserWithNothingNewWritesNothing() throws {
        let decision = RowRules.decide(try Self.row(.new, title: "Engineer"), current: Self.user(.invited))
        #expect(decision.outcome == .updated)
        #expect(decision.reason == "already exists; no invitation sent")
        #expect(decision.write == nil)
        #expect(decision.notification == nil)
    }

    @Test(arguments: [UserState.invited, .active])
    func deleteKeepsTheProfileForHistory(state: UserState) throws {
        let decision = RowRules.decide(try Self.row(.delete, title: "Other"), current: Self.user(state))
        #expect(decision.write == StoredUser(email: Self.email, profile: Self.stored, state: .deleted))
    }
}

enum RowRulesTestError: Error {
    case rowDidNotValidate
}
