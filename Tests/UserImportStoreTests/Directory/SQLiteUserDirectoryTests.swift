import Testing
import UserImportCore
import UserImportStore

struct SQLiteUserDirectoryTests {
    /// A directory inside an import row, as the pipeline builds it.
    func directory(_ database: ImportDatabase) throws -> SQLiteUserDirectory {
        let id = try ImportHistory(database: database).begin(
            workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime, startedAt: sampleTime)
        return try SQLiteUserDirectory(database: database, importID: id, now: sampleTime)
    }

    @Test func storesAndReadsBackAUser() throws {
        let database = try StoreTestDatabase().open()
        var users = try directory(database)
        #expect(try users.users(emails: ["ada@example.com"])[0] == nil)
        try users.store([sampleUser("ada@example.com", title: "Countess")])
        #expect(
            try users.users(emails: ["ada@example.com"])[0]
                == sampleUser("ada@example.com", title: "Countess"))
    }

    @Test func storingAgainUpdatesInPlace() throws {
        let database = try StoreTestDatabase().open()
        var users = try directory(database)
        try users.store([sampleUser("ada@example.com")])
        try users.store([sampleUser("ada@example.com", state: .active, title: "Analyst")])
        #expect(try users.users(emails: ["ada@example.com"])[0]?.state == .active)
        #expect(try users.users(emails: ["ada@example.com"])[0]?.profile.title == "Analyst")
        #expect(try database.connection.scalar("SELECT count(*) FROM users") == 1)
    }

    @Test func readsAndWritesABatchInOneOrderedPass() throws {
        let database = try StoreTestDatabase().open()
        var users = try directory(database)
        let emails = ["a@example.com", "b@example.com", "c@example.com"]
        try users.store([sampleUser(emails[0]), sampleUser(emails[2], state: .active)])
        let found = try users.users(emails: emails)
        #expect(found.map { $0?.email } == [emails[0], nil, emails[2]])
        #expect(found[2]?.state == .active)
        #expect(try database.connection.scalar("SELECT count(*) FROM users") == 2)
    }

    @Test func dryRunSeesItsOwnChangesButWritesNothing() throws {
        let database = try StoreTestDatabase().open()
        var real = try directory(database)
        try real.store([sampleUser("ada@example.com")])
        var dry = try DryRunUserDirectory(database: database)
        try dry.store([sampleUser("ada@example.com", state: .active)])
        try dry.store([sampleUser("bob@example.com")])
        #expect(try dry.users(emails: ["ada@example.com"])[0]?.state == .active)
        #expect(try dry.users(emails: ["bob@example.com"])[0] != nil)
        #expect(try real.users(emails: ["ada@example.com"])[0]?.state == .invited)
        #expect(try real.users(emails: ["bob@example.com"])[0] == nil)
    }
}
