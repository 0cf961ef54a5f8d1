import Testing
import UserImportCore

struct UndoPlanTests {
    static let header = "Email ID,First Name,Last Name,Title,User Status\n"

    static func user(_ email: String, _ state: UserState, title: String = "") -> StoredUser {
        StoredUser(
            email: email, profile: UserProfile(firstName: "Ann", lastName: "Lee", title: title), state: state)
    }

    /// A directory holding `users`, each written last by import 1.
    static func directory(_ users: [StoredUser]) -> TrackedDirectory {
        var directory = TrackedDirectory()
        for user in users { directory.users[user.email] = CurrentUser(user: user, lastImportID: 1) }
        return directory
    }

    /// Imports `rows` as import 2 into `users`, plans its undo, applies it as import 3.
    static func undo(_ rows: String, over users: [StoredUser] = []) throws -> (
        plan: UndoPlan, before: TrackedDirectory, after: TrackedDirectory
    ) {
        let before = directory(users)
        var directory = before
        let run = try directory.importFile(header + rows, id: 2)
        let plan = try directory.plan(undoing: 2, rows: run.rows)
        directory.apply(plan, as: 3)
        return (plan, before, directory)
    }

    static func step(_ line: Int, _ email: String, _ action: UndoPlan.Action, _ reason: String)
        -> UndoPlan.Step
    {
        UndoPlan.Step(line: line, email: email, action: action, reason: reason)
    }

    @Test func aCreationFromNothingIsDeletedAndItsInvitationCancelled() throws {
        let undo = try Self.undo("ann@example.com,Ann,Lee,,New\n")
        #expect(
            undo.plan.steps == [Self.step(2, "ann@example.com", .delete, "deleted: created by this import")])
        #expect(undo.plan.cancellations == [.init(line: 2, email: "ann@example.com", kind: .invitation)])
        #expect(undo.after.users.isEmpty)
    }

    @Test func anUpdateGetsItsPreviousValuesBack() throws {
        let ann = Self.user("ann@example.com", .active, title: "Old")
        let undo = try Self.undo("ann@example.com,Anne,Lee,New,Update\n", over: [ann])
        #expect(undo.plan.steps == [Self.step(2, ann.email, .restore(ann), "previous values restored")])
        #expect(undo.plan.cancellations.isEmpty)
        #expect(
            undo.after.users[ann.email] == CurrentUser(user: ann, lastImportID: 3),
            "the undo is a write of its own")
    }

    @Test(arguments: [UserState.invited, .active])
    func aDeletedUserComesBackWithItsValuesAndState(state: UserState) throws {
        let ann = Self.user("ann@example.com", state, title: "Old")
        let undo = try Self.undo("ann@example.com,,,,Delete\n", over: [ann])
        #expect(
            undo.plan.steps == [Self.step(2, ann.email, .restore(ann), "undeleted, with its previous values")]
        )
        #expect(undo.after.users[ann.email]?.user == ann)
    }

    @Test func anActivatedUserIsInvitedAgainAndItsActivationCancelled() throws {
        let ann = Self.user("ann@example.com", .invited)
        let undo = try Self.undo("ann@example.com,,,,Activate\n", over: [ann])
        #expect(undo.plan.steps == [Self.step(2, ann.email, .restore(ann), "invited again")])
        #expect(undo.plan.cancellations == [.init(line: 2, email: ann.email, kind: .activation)])
        #expect(undo.after.users[ann.email]?.user.state == .invited)
    }

    @Test func aReCreatedUserIsDeletedAgainWithItsOldValues() throws {
        let ann = Self.user("ann@example.com", .deleted, title: "Gone")
        let undo = try Self.undo("ann@example.com,Anne,Li,,New\n", over: [ann])
        #expect(
            undo.plan.steps == [
                Self.step(2, ann.email, .restore(ann), "deleted again: re-created by this import")
            ])
        #expect(undo.plan.cancellations == [.init(line: 2, email: ann.email, kind: .invitation)])
        #expect(undo.after.users[ann.email]?.user == ann, "the row stays, deleted, as before")
    }

    @Test func rowsThatWroteNothingPlanNothing() throws {
        let users = [
            Self.user("same@example.com", .active, title: "T"), Self.user("known@example.com", .invited),
        ]
        let undo = try Self.undo(
            """
            same@example.com,Ann,Lee,T,Update
            same@example.com,,,,Activate
            known@example.com,Ann,Lee,,New
            not-an-email,A,B,,New
            missing@example.com,,,,Delete
            new@example.com,,,,New

            """, over: users)
        #expect(undo.plan.steps.isEmpty)
        #expect(undo.plan.cancellations.isEmpty)
        #expect(undo.after.users == undo.before.users)
    }

    /// The restore goes back to before the first change of the import, whatever came after it; the
    /// step sits at that first line, and every email the import queued for the user is cancelled.
    @Test func severalRowsForOneUserGoBackToBeforeTheFirst() throws {
        let ann = Self.user("ann@example.com", .invited, title: "Old")
        let undo = try Self.undo(
            """
            ann@example.com,Ann,Lee,,Update
            ann@example.com,Ann,Lee,Mid,Update
            ann@example.com,,,,Activate
            ann@example.com,,,,Delete
            ann@example.com,Anne,Lee,Last,New
            bob@example.com,Bob,Ek,,New
            bob@example.com,,,,Activate
            bob@example.com,,,,Delete

            """, over: [ann])
        #expect(
            undo.plan.steps == [
                Self.step(3, ann.email, .restore(ann), "previous values restored"),
                Self.step(7, "bob@example.com", .delete, "deleted: created by this import"),
            ])
        #expect(
            undo.plan.cancellations == [
                .init(line: 4, email: ann.email, kind: .activation),
                .init(line: 6, email: ann.email, kind: .invitation),
                .init(line: 7, email: "bob@example.com", kind: .invitation),
                .init(line: 8, email: "bob@example.com", kind: .activation),
            ])
        #expect(undo.after.users.mapValues(\.user) == [ann.email: ann])
    }

    /// A user another import (or an undo) wrote after this one keeps what it has now, and its
    /// emails stay queued; the others are undone all the same.
    @Test func aUserWrittenSinceIsKept() throws {
        var directory = Self.directory([Self.user("ann@example.com", .active)])
        let run = try directory.importFile(
            Self.header + "ann@example.com,Ann,Lee,Two,Update\nbob@example.com,Bob,Ek,,New\n", id: 2)
        _ = try directory.importFile(Self.header + "ann@example.com,Ann,Lee,Seven,Update\n", id: 7)
        let now = directory.users
        let plan = try directory.plan(undoing: 2, rows: run.rows)
        #expect(
            plan.steps == [
                Self.step(2, "ann@example.com", .kept(changedBy: 7), "kept: changed by import 7"),
                Self.step(3, "bob@example.com", .delete, "deleted: created by this import"),
            ])
        #expect(plan.cancellations == [.init(line: 3, email: "bob@example.com", kind: .invitation)])
        directory.apply(plan, as: 8)
        #expect(directory.users["ann@example.com"] == now["ann@example.com"])
        #expect(directory.users["bob@example.com"] == nil)
    }

    @Test func aUserNoLongerStoredIsListed() throws {
        var directory = TrackedDirectory()
        let run = try directory.importFile(Self.header + "ann@example.com,Ann,Lee,,New\n", id: 2)
        let plan = try UndoPlan(undoing: 2, rows: run.rows, current: [:])
        #expect(plan.steps == [Self.step(2, "ann@example.com", .absent, "nothing to undo: no longer stored")])
        #expect(plan.cancellations.isEmpty)
    }

    @Test func changedEmailsAreThoseWrittenInKeyOrder() throws {
        var directory = Self.directory([
            Self.user("z@example.com", .active), Self.user("same@example.com", .active),
        ])
        let run = try directory.importFile(
            Self.header
                + "z@example.com,,,,Delete\nb@example.com,B,C,,New\nsame@example.com,,,,Activate\n"
                + "Z@example.com,,,,Delete\na.b@example.com,A,B,,New\nb@example.com,,,,Activate\n",
            id: 2)
        #expect(
            UndoPlan.changedEmails(in: run.rows) == ["a.b@example.com", "b@example.com", "z@example.com"])
    }

    /// Results stored before imports kept previous users (or damaged ones) cannot be undone: a row
    /// that changed a stored user without one stops the plan instead of guessing.
    @Test(arguments: [RowOutcome.updated, .deleted, .activated])
    func aChangeWithoutItsPreviousUserIsRefused(outcome: RowOutcome) throws {
        let change = RowResult(line: 4, email: "a@example.com", status: "", outcome: outcome, reason: "")
        if outcome == .updated {
            // An update that wrote nothing keeps none either: it plans nothing.
            #expect(try UndoPlan(undoing: 2, rows: [change], current: [:]).steps.isEmpty)
        } else {
            #expect(throws: UndoPlanError.previousMissing(line: 4)) {
                try UndoPlan(undoing: 2, rows: [change], current: [:])
            }
        }
    }

    /// A creation after a change is a re-creation, which always replaced a stored user.
    @Test func aReCreationWithoutItsPreviousUserIsRefused() throws {
        let created = RowResult(line: 2, email: "a@example.com", status: "New", outcome: .created, reason: "")
        let deleted = RowResult(
            line: 3, email: "a@example.com", status: "Delete", outcome: .deleted, reason: "",
            previous: Self.user("a@example.com", .invited))
        #expect(throws: UndoPlanError.previousMissing(line: 5)) {
            try UndoPlan(
                undoing: 2,
                rows: [
                    created, deleted,
                    RowResult(line: 5, email: "a@example.com", status: "New", outcome: .created, reason: ""),
                ],
                current: [:])
        }
    }
}
