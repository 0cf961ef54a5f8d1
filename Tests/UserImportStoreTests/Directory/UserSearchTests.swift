import SeededRandom
import Testing
import UserImportCore

@testable import UserImportStore

/// `users --search` answers as a scan of every user would — whatever the idle indexing has
/// reached, on a new database and on one upgraded with users already in it — and, once indexed,
/// looks up its candidates instead of reading the directory.
struct UserSearchTests {
    /// Imports that create, change and remove users from a small pool, each row recorded as the
    /// pipeline records it; the model is every user's email, names and state.
    final class Directory {
        let database: ImportDatabase
        var users: [String: (first: String, last: String, state: UserState)] = [:]
        var random: SplitMix64
        let emails = (0..<60).map { "user\($0)@example.com" } + ["zoë@example.com", "ZOE\u{308}@Example.com"]
        let firsts = [
            "Ada", "ada", "Zoë", "Zoe\u{308}", "Ana María", "\"Chief\"", "100%", "a_b", "Łukasz", "Björn",
        ]
        let lasts = [
            "Lovelace", "O'Brien", "Müller", "van der Berg", "García", "LOVELACE", "Smith, Jr.", "王",
        ]

        init(_ file: StoreTestDatabase, seed: UInt64) throws {
            database = try file.open()
            random = SplitMix64(seed: seed)
        }

        func pick<T>(_ values: [T]) -> T {
            values[Int.random(in: 0..<values.count, using: &random)]
        }

        /// One import of `rows` rows: mostly creations and changes, now and then a removal (as an
        /// undo of a creation does).
        func importRows(_ rows: Int) throws {
            let id = try ImportHistory(database: database).begin(
                workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                startedAt: sampleTime)
            var directory = try SQLiteUserDirectory(database: database, importID: id, now: sampleTime)
            var results = try RowResultWriter(database: database, importID: id)
            let remove = try database.connection.prepare("DELETE FROM users WHERE email = ?")
            for line in 2..<(2 + rows) {
                let email = pick(emails)
                if Int.random(in: 0..<10, using: &random) == 0 {
                    try remove.run(.text(email))
                    users[email] = nil
                } else {
                    let user = StoredUser(
                        email: email, profile: UserProfile(firstName: pick(firsts), lastName: pick(lasts)),
                        state: pick(UserState.allCases))
                    try directory.store([user])
                    users[email] = (user.profile.firstName, user.profile.lastName, user.state)
                }
                try results.record(
                    RowResult(line: line, email: email, status: "New", outcome: .created, reason: ""))
            }
            try results.finish()
        }

        static let terms = [
            "a", "zo", "ada", "ADA", "lovelace", "zoë", "zoe\u{308}", "e\u{308}", "o'b", "\"ch", "100%", "0%",
            "a_b", "_", "user1", "user12@", "example.com", "ana maría", "ada lov", "berg", "王", "nobody",
        ]

        /// What a scan answers: ASCII letters in any case, every other byte as it is (SQLite's
        /// `lower`), in email byte order.
        func expected(_ term: String, state: UserState?) -> [String] {
            let needle = Self.lowered(term)
            return users.filter { email, user in
                (state == nil || user.state == state)
                    && Self.contains(Self.lowered(email + " " + user.first + " " + user.last), needle)
            }
            .keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }

        static func lowered(_ text: String) -> [UInt8] {
            text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        }

        static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
            guard needle.count <= haystack.count else { return false }
            if needle.isEmpty { return true }
            return (0...(haystack.count - needle.count)).contains {
                haystack[$0..<($0 + needle.count)].elementsEqual(needle)
            }
        }

        func check(_ moment: String) throws {
            let listing = UserListing(database: database)
            for term in Self.terms {
                for state in [nil] + UserState.allCases.map(Optional.some) {
                    let states = state.map { [$0] } ?? []
                    var found: [String] = []
                    try listing.forEachUser(states: states, search: term) { found.append($0.email) }
                    let expected = expected(term, state: state)
                    #expect(found == expected, "\(term) \(String(describing: state)) \(moment)")
                    #expect(
                        try listing.count(states: states, search: term) == expected.count, "\(term) \(moment)"
                    )
                }
            }
            var page: [String] = []
            try listing.forEachUser(search: "user", offset: 3, limit: 5) { page.append($0.email) }
            #expect(page == Array(expected("user", state: nil).dropFirst(3).prefix(5)), "page \(moment)")
        }
    }

    @Test(arguments: [1, 3, 64])
    func theAnswerIsTheSameWhateverTheIndexingHasReached(chunksPerStep: Int) throws {
        let directory = try Directory(try StoreTestDatabase(), seed: UInt64(chunksPerStep))
        let indexing = UserSearchIndexing(database: directory.database)
        for rows in [300, 2_500, 40] { try directory.importRows(rows) }
        try directory.check("before indexing")
        var steps = 0
        while try indexing.step(chunks: chunksPerStep) {
            steps += 1
            try directory.check("after step \(steps)")
        }
        #expect(steps > 0)
        try directory.importRows(1_500)
        try directory.check("with a new import not indexed")
        while try indexing.step(chunks: chunksPerStep) {}
        try directory.check("with every import indexed")
    }

    /// A database upgraded with users in it: the first pass reads them all, in steps, and a
    /// search scans until it is done.
    @Test func anUpgradedDirectoryIsIndexedByAFirstPass() throws {
        let directory = try Directory(try StoreTestDatabase(), seed: 9)
        for rows in [2_000, 500] { try directory.importRows(rows) }
        let connection = directory.database.connection
        try connection.execute(
            """
            UPDATE user_search_progress SET users_after = 0, after_line = 0,
                through_import = (SELECT max(id) FROM imports)
            """)
        #expect(try UserSearch.candidates(for: "ada", connection: connection) == nil)
        let indexing = UserSearchIndexing(database: directory.database)
        var steps = 0
        while try indexing.step(chunks: 0) {
            steps += 1
            try directory.check("after first-pass step \(steps)")
        }
        #expect(try connection.scalar("SELECT count(*) FROM user_search") == Int64(directory.users.count))
        #expect(try UserSearch.candidates(for: "ada", connection: connection) != nil)
    }

    /// Once indexed, a term of three characters or more is answered from its candidates: fewer
    /// than the users, every match among them, and the users table read by id only.
    @Test func anIndexedSearchReadsItsCandidatesOnly() throws {
        let directory = try Directory(try StoreTestDatabase(), seed: 5)
        try directory.importRows(2_000)
        while try UserSearchIndexing(database: directory.database).step(chunks: 64) {}
        let connection = directory.database.connection
        let candidates = try #require(try UserSearch.candidates(for: "user12@", connection: connection))
        #expect(candidates.count < directory.users.count)
        #expect(candidates.count >= directory.expected("user12@", state: nil).count)
        #expect(try UserSearch.candidates(for: "zo", connection: connection) == nil)
        let explain = try connection.prepare(
            "EXPLAIN QUERY PLAN SELECT email FROM users WHERE id IN (SELECT value FROM json_each(?)) ORDER BY email"
        )
        try explain.bind(.text(UserSearch.json(candidates)))
        var plan: [String] = []
        while try explain.step() { plan.append(explain.text(3)) }
        #expect(!plan.contains { $0.hasPrefix("SCAN users") }, "\(plan)")
    }

    @Test func theMatchExpressionIsEveryTrigramOnceQuoted() {
        #expect(UserSearch.matchExpression("ab") == nil)
        #expect(UserSearch.matchExpression("a\0bc") == nil)
        #expect(UserSearch.matchExpression("abab") == "\"aba\" AND \"bab\"")
        #expect(UserSearch.matchExpression("\"ch") == "\"\"\"ch\"")
        #expect(UserSearch.matchExpression("zoe\u{308}") == "\"zoe\" AND \"oe\u{308}\"")
    }
}
