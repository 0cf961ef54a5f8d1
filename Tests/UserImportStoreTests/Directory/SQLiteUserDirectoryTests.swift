import Testing
import UserImportCore

@testable import UserImportStore

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

    /// Past a first load's filter capacity, a batch is answered from the users stored in its range
    /// of emails; a range holding too many (a batch spread over the directory) is answered by the
    /// filter and lookups instead, and so are the next few batches. Every answer is the same.
    @Test func pastTheFiltersCapacityABatchIsAnsweredFromItsRangeOrByLookups() throws {
        let database = try StoreTestDatabase().open()
        let id = try ImportHistory(database: database).begin(
            workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime, startedAt: sampleTime)
        var users = try SQLiteUserDirectory(
            database: database, importID: id, now: sampleTime,
            firstLoadFilter: EmailBloomFilter(bitCount: 1 << 16, capacity: 10))
        let email = { (n: Int) in "u\(String(1000 + n).dropFirst())@example.com" }
        try users.store((0..<100).map { sampleUser(email(2 * $0)) })
        func expectAnswers(_ numbers: [Int], _ label: String) throws {
            let found = try users.users(emails: numbers.map(email))
            #expect(
                found.map { $0?.email } == numbers.map { $0 % 2 == 0 && $0 < 200 ? email($0) : nil },
                "\(label)")
        }
        // Narrow: three stored users in range, sixteen allowed; then exactly as many as allowed
        // (eight for two emails), answered from the range too.
        try expectAnswers([20, 21, 22, 24], "narrow")
        try expectAnswers([0, 14], "exactly the limit")
        #expect(users.rangeBackoff == 0)
        // One more than allowed, then the whole directory in range: the filter answers them, and
        // the next few batches.
        try expectAnswers([0, 16], "one over the limit")
        #expect(users.rangeBackoff == SQLiteUserDirectory.rangeBackoffBatches)
        for round in 0..<SQLiteUserDirectory.rangeBackoffBatches {
            try expectAnswers([40 + round * 2, 41 + round * 2, 42 + round * 2], "backing off, \(round)")
        }
        #expect(users.rangeBackoff == 0)
        try expectAnswers([0, 101, 198, 999], "wide")
        #expect(users.rangeBackoff == SQLiteUserDirectory.rangeBackoffBatches)
        try expectAnswers([197, 198, 199, 201], "at the end")
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
