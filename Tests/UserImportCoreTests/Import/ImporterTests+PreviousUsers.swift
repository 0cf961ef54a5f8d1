import Testing
import UserImportCore

/// Each row that writes a user who was stored already keeps that user as it was just before: what
/// an undo of the import puts back.
extension ImporterTests {
    static let fullHeader = "Email ID,First Name,Last Name,Title,User Status\n"

    static func stored(_ email: String, _ state: UserState, title: String = "Old") -> StoredUser {
        StoredUser(
            email: email, profile: UserProfile(firstName: "F", lastName: "L", title: title), state: state)
    }

    @Test func everyWriteToAStoredUserKeepsItAsItWas() throws {
        var directory = InMemoryDirectory()
        let before = [
            Self.stored("update@example.com", .active), Self.stored("delete@example.com", .invited),
            Self.stored("again@example.com", .deleted), Self.stored("activate@example.com", .invited),
            Self.stored("same@example.com", .active), Self.stored("known@example.com", .invited),
            Self.stored("active@example.com", .active),
        ]
        for user in before { directory.users[user.email] = user }
        let run = try Self.run(
            Self.fullHeader
                + """
                update@example.com,F,L,New title,Update
                delete@example.com,,,,Delete
                again@example.com,Anne,Lee,,New
                activate@example.com,,,,Activate
                fresh@example.com,Fay,Ray,,New
                same@example.com,F,L,Old,Update
                known@example.com,F,L,,New
                active@example.com,,,,Activate
                not-an-email,A,B,,New
                missing@example.com,A,B,,Update
                known@example.com,F,L,Boss,New

                """, directory: directory)
        #expect(
            run.results.map(\.outcome) == [
                .updated, .deleted, .created, .activated, .created,
                .unchanged, .updated, .unchanged, .ignored, .rejected, .updated,
            ])
        #expect(
            run.results.map(\.previous) == [
                before[0], before[1], before[2], before[3], nil, nil, nil, nil, nil, nil, before[5],
            ])
    }

    /// The second row for a user keeps the state the first one left, in one batch and across
    /// batches: the first changing row of an import keeps the user as it was before the import.
    @Test(arguments: [false, true])
    func severalRowsForOneUserKeepTheStateTheRowBeforeLeft(acrossBatches: Bool) throws {
        var directory = InMemoryDirectory()
        let ann = Self.stored("ann@example.com", .invited)
        directory.users[ann.email] = ann
        var text = Self.fullHeader + "ann@example.com,F,L,First,Update\nbob@example.com,Bob,Ek,,New\n"
        let filler = acrossBatches ? Importer.batchSize : 0
        for index in 0..<filler { text += "u\(index)@example.com,A,B,,New\n" }
        text +=
            "ann@example.com,,,,Activate\nbob@example.com,Bob,Ek,Second,Update\nann@example.com,,,,Delete\n"
        text += "bob@example.com,Bob,Ek,Second,Update\nann@example.com,Ann,Lee,,New\n"
        let run = try Self.run(text, directory: directory)
        let last = run.results.suffix(5)
        #expect(last.map(\.outcome) == [.activated, .updated, .deleted, .unchanged, .created])
        var first = ann
        first.profile.title = "First"
        var active = first
        active.state = .active
        var deleted = active
        deleted.state = .deleted
        var bob = StoredUser(
            email: "bob@example.com", profile: UserProfile(firstName: "Bob", lastName: "Ek"), state: .invited)
        #expect(run.results.prefix(2).map(\.previous) == [ann, nil])
        #expect(last.map(\.previous) == [first, bob, active, nil, deleted])
        bob.profile.title = "Second"
        #expect(run.directory.users["bob@example.com"] == bob)
        #expect(
            run.directory.users["ann@example.com"]?.profile == UserProfile(firstName: "Ann", lastName: "Lee"))
    }
}
