import Foundation
import Glibc
import SeededRandom
import Testing
import UserImportCore

@testable import UserImportPostgres
@testable import UserImportStore

/// `users --search` answers as a scan of every user would — on the SQLite file and on
/// PostgreSQL, whatever the idle indexing has reached, on a new database and on one upgraded with
/// users already in it — and, once indexed, looks up its candidates instead of reading the
/// directory.
struct UserSearchTests {
    enum Backend: CaseIterable {
        case sqlite, postgresql
    }

    /// Imports that create, change and remove users from a small pool, each row recorded as the
    /// pipeline records it; the model is every user's email, names and state.
    final class Directory {
        let backend: Backend
        private let folder: String
        let sqlite: ImportDatabase?
        let postgres: PostgresConnection?
        let postgresURL: String
        var users: [String: (first: String, last: String, state: UserState)] = [:]
        var random: SplitMix64
        let emails = (0..<60).map { "user\($0)@example.com" } + ["zoë@example.com", "ZOE\u{308}@Example.com"]
        let firsts = [
            "Ada", "ada", "Zoë", "Zoe\u{308}", "Ana María", "\"Chief\"", "100%", "a_b", "Łukasz", "Björn",
        ]
        let lasts = [
            "Lovelace", "O'Brien", "Müller", "van der Berg", "García", "LOVELACE", "Smith, Jr.", "王",
            "Back\\Slash", "Per%Cent", "Under_Score",
        ]

        init(_ backend: Backend, seed: UInt64) throws {
            self.backend = backend
            folder = NSTemporaryDirectory() + "user-search-\(getpid())-\(seed)-\(backend)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            random = SplitMix64(seed: seed)
            switch backend {
            case .sqlite:
                sqlite = try ImportDatabase(path: folder + "/userimport.db")
                postgres = nil
                postgresURL = ""
            case .postgresql:
                sqlite = nil
                postgresURL = try PostgresServer.shared.get().database()
                let connection = try PostgresConnection(url: postgresURL)
                try PostgresSchema.migrate(connection)
                postgres = connection
            }
        }

        deinit {
            try? FileManager.default.removeItem(atPath: folder)
        }

        func pick<T>(_ values: [T]) -> T {
            values[Int.random(in: 0..<values.count, using: &random)]
        }

        var listing: any UserReading {
            switch (sqlite, postgres) {
            case (let sqlite?, _): UserListing(database: sqlite)
            case (_, let postgres?): PostgresUserListing(connection: postgres)
            default: preconditionFailure("a directory on neither backend")
            }
        }

        /// One step of the backend's idle indexing of the search (on the server, a first pass of
        /// 7 users a step).
        func indexStep(chunks: Int) throws -> Bool {
            switch (sqlite, postgres) {
            case (let sqlite?, _): try UserSearchIndexing(database: sqlite).step(chunks: chunks)
            case (_, let postgres?):
                try PostgresUserSearchIndexing(connection: postgres, usersPerChunk: 7).step(
                    chunks: chunks, now: sampleTime)
            default: false
            }
        }

        /// How many users a term's candidates are, nil when a scan answers.
        func candidates(_ term: String) throws -> Int? {
            switch (sqlite, postgres) {
            case (let sqlite?, _): try UserSearch.candidates(for: term, connection: sqlite.connection)?.count
            case (_, let postgres?): try PostgresUserSearch.candidates(for: term, connection: postgres)?.count
            default: nil
            }
        }

        /// One import of `rows` rows: mostly creations and changes, now and then a removal (as an
        /// undo of a creation does).
        func importRows(_ rows: Int) throws {
            if let sqlite {
                let id = try ImportHistory(database: sqlite).begin(
                    workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                    startedAt: sampleTime)
                var directory = try SQLiteUserDirectory(database: sqlite, importID: id, now: sampleTime)
                var results = try RowResultWriter(database: sqlite, importID: id)
                let remove = try sqlite.connection.prepare("DELETE FROM users WHERE email = ?")
                try importRows(rows, into: &directory, &results) { try remove.run(.text($0)) }
            } else if let postgres {
                try postgres.transaction { try importRows(rows, inTransactionOn: postgres) }
            }
        }

        /// An import on the server inside the caller's transaction on `connection` (the caller
        /// commits it), under the id `begun` when it has one.
        func importRows(_ rows: Int, inTransactionOn connection: PostgresConnection, as begun: Int64? = nil)
            throws
        {
            let id = try begun ?? begin(on: connection)
            var directory = try PostgresUserDirectory(connection: connection, importID: id, now: sampleTime)
            var results = PostgresRowResultWriter(connection: connection, importID: id)
            try importRows(rows, into: &directory, &results) {
                try connection.query("DELETE FROM users WHERE email = $1", [$0])
            }
        }

        /// The import's row, its id drawn from the one sequence.
        func begin(on connection: PostgresConnection) throws -> Int64 {
            try PostgresImportHistory(connection: connection).begin(
                workName: FileName("x.csv"), size: 1, ownerUID: 0, receivedAt: sampleTime,
                startedAt: sampleTime)
        }

        private func importRows(
            _ rows: Int, into directory: inout some UserDirectory, _ results: inout some RowResultSink,
            remove: (String) throws -> Void
        ) throws {
            for line in 2..<(2 + rows) {
                let email = pick(emails)
                if Int.random(in: 0..<10, using: &random) == 0 {
                    try remove(email)
                    users[email] = nil
                } else {
                    let user = StoredUser(
                        email: email, profile: UserProfile(firstName: pick(firsts), lastName: pick(lasts)),
                        state: pick(UserState.allCases))
                    _ = try directory.users(emails: [email])
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
            "er1", "%", "\\", "o_b", "r1%", "back\\sla", "k\\sla", "per%cen", "r%cent", "der_sco", "r_sco",
            "backxslash", "perxcent", "underxscore", "outsider", "sider@",
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
            let listing = self.listing
            for term in Self.terms {
                for state in [nil] + UserState.allCases.map(Optional.some) {
                    let states = state.map { [$0] } ?? []
                    var found: [String] = []
                    try listing.forEachUser(states: states, search: term, offset: 0, limit: nil) {
                        found.append($0.email)
                    }
                    let expected = expected(term, state: state)
                    #expect(found == expected, "\(backend) \(term) \(String(describing: state)) \(moment)")
                    #expect(
                        try listing.count(states: states, search: term, atMost: nil) == expected.count,
                        "\(backend) \(term) \(moment)")
                }
            }
            var page: [String] = []
            try listing.forEachUser(states: [], search: "user", offset: 3, limit: 5) { page.append($0.email) }
            #expect(
                page == Array(expected("user", state: nil).dropFirst(3).prefix(5)),
                "\(backend) page \(moment)")
        }
    }

    static let runs: [(Backend, Int)] = Backend.allCases.flatMap { backend in
        [1, 3, 64].map { (backend, $0) }
    }

    @Test(arguments: runs)
    func theAnswerIsTheSameWhateverTheIndexingHasReached(backend: Backend, chunksPerStep: Int) throws {
        let directory = try Directory(backend, seed: UInt64(chunksPerStep))
        for rows in [300, 2_500, 40] { try directory.importRows(rows) }
        try directory.check("before indexing")
        var steps = 0
        while try directory.indexStep(chunks: chunksPerStep) {
            steps += 1
            try directory.check("after step \(steps)")
        }
        #expect(steps > 0)
        #expect(try directory.candidates("lovelace") != nil)
        try directory.importRows(1_500)
        try directory.check("with a new import not indexed")
        while try directory.indexStep(chunks: chunksPerStep) {}
        try directory.check("with every import indexed")
    }

    /// A database upgraded with users in it: the first pass reads them all, in steps, and a
    /// search scans until it is done.
    @Test(arguments: Backend.allCases)
    func anUpgradedDirectoryIsIndexedByAFirstPass(backend: Backend) throws {
        let directory = try Directory(backend, seed: 9)
        for rows in [2_000, 500] { try directory.importRows(rows) }
        if let sqlite = directory.sqlite {
            try sqlite.connection.execute(
                """
                UPDATE user_search_progress SET users_after = 0, after_line = 0,
                    through_import = (SELECT max(id) FROM imports)
                """)
        } else if let postgres = directory.postgres {
            // As migration 7 leaves a server that has users: every import counted as read.
            try postgres.execute(
                """
                UPDATE imports SET search_indexed_at = 0;
                INSERT INTO user_search_first_pass SELECT '' WHERE EXISTS (SELECT 1 FROM users)
                """)
        }
        #expect(try directory.candidates("ada") == nil)
        var steps = 0
        while try directory.indexStep(chunks: 0) {
            steps += 1
            try directory.check("after first-pass step \(steps)")
        }
        #expect(steps > 0)
        if let sqlite = directory.sqlite {
            #expect(
                try sqlite.connection.scalar("SELECT count(*) FROM user_search")
                    == Int64(directory.users.count))
        } else if let postgres = directory.postgres {
            #expect(try postgres.scalar("SELECT count(*) FROM user_search") == String(directory.users.count))
            #expect(steps > directory.users.count / 7)
        }
        #expect(try directory.candidates("ada") != nil)
    }

    /// Once indexed, a term of three characters or more is answered from its candidates: fewer
    /// than the users, every match among them, and the users table read by id only.
    @Test func anIndexedSearchReadsItsCandidatesOnly() throws {
        let directory = try Directory(.sqlite, seed: 5)
        try directory.importRows(2_000)
        while try directory.indexStep(chunks: 64) {}
        let connection = try #require(directory.sqlite).connection
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

    /// On the server the candidates come from the trigram index (`pg_trgm`), the users by their
    /// emails; without the index (a role that may not create the extension) the answers stay.
    @Test func anIndexedSearchOnTheServerReadsItsCandidatesOnly() throws {
        let directory = try Directory(.postgresql, seed: 6)
        try directory.importRows(2_000)
        while try directory.indexStep(chunks: 64) {}
        let connection = try #require(directory.postgres)
        let candidates = try #require(
            try PostgresUserSearch.candidates(for: "user12@", connection: connection))
        #expect(candidates.count < directory.users.count)
        #expect(Set(directory.expected("user12@", state: nil)).isSubset(of: Set(candidates)))
        #expect(try PostgresUserSearch.candidates(for: "zo", connection: connection) == nil)
        #expect(try PostgresUserSearch.candidates(for: "o'b", connection: connection) == nil)
        func plan(_ sql: String, _ parameters: [String?]) throws -> String {
            try connection.transaction {
                try connection.execute("SET LOCAL enable_seqscan = off")
                return try connection.query("EXPLAIN " + sql, parameters).compactMap { $0.first ?? nil }
                    .joined(separator: "\n")
            }
        }
        let entries = try plan(
            "SELECT email FROM user_search WHERE text LIKE lower($1 COLLATE \"C\")",
            [PostgresUserSearch.pattern("user12@")])
        #expect(entries.contains("Bitmap Index Scan on user_search_trigrams"), "\(entries)")
        let users = try plan(
            "SELECT email FROM users WHERE email = ANY ($3::text[]) AND \(PostgresUserListing.filter) ORDER BY email",
            [PostgresArray.text(["active"]), "user12@", PostgresArray.text(candidates)])
        #expect(users.contains("users_pkey") && !users.contains("Seq Scan"), "\(users)")
        // Without the index (a role that may not create the extension) a search reads the
        // directory, with the same answers.
        try connection.execute("DROP INDEX user_search_trigrams")
        #expect(try PostgresUserSearch.candidates(for: "user12@", connection: connection) == nil)
        try directory.check("without the trigram index")
    }

    /// The pattern holds the term anywhere and nothing else, a backslash, % or _ in it only
    /// itself, with the server's `standard_conforming_strings` either way.
    @Test(arguments: ["on", "off"])
    func thePatternMatchesTheTermAsItIs(conformingStrings: String) throws {
        let connection = try PostgresConnection(url: try PostgresServer.shared.get().database())
        try connection.execute("SET standard_conforming_strings = \(conformingStrings)")
        let texts = ["a\\b", "a%b", "a_b", "axb", "a\\\\b", "ab", "Per%Cent", "back\\slash", "x"]
        let terms = ["\\", "a\\b", "%", "a%b", "_", "a_b", "a\\\\b", "per%c", "k\\s", "", "A%B"]
        for text in texts {
            for term in terms {
                let matched = try connection.scalar(
                    "SELECT lower($1 COLLATE \"C\") LIKE lower($2 COLLATE \"C\")",
                    [text, PostgresUserSearch.pattern(term)])
                let expected = Directory.contains(Directory.lowered(text), Directory.lowered(term))
                #expect(matched == (expected ? "t" : "f"), "\(text) \(term) \(conformingStrings)")
            }
        }
    }

    /// A daemon of an older build prunes an import the index has not read: searches read the
    /// directory until the next step has started and finished a first pass again.
    @Test func anImportPrunedBeforeItWasReadStartsTheFirstPassAgain() throws {
        let directory = try Directory(.postgresql, seed: 12)
        let connection = try #require(directory.postgres)
        try directory.importRows(1_500)
        while try directory.indexStep(chunks: 64) {}
        try directory.importRows(1_500)
        try connection.execute(
            """
            UPDATE imports SET rows_pruned_at = 1 WHERE id = (SELECT max(id) FROM imports);
            DELETE FROM import_row_chunks WHERE import_id = (SELECT max(id) FROM imports)
            """)
        #expect(try directory.candidates("lovelace") == nil)
        try directory.check("pruned before it was read")
        var steps = 0
        while try directory.indexStep(chunks: 1) {
            steps += 1
            try directory.check("after step \(steps) of the new first pass")
        }
        #expect(steps > directory.users.count / 7)
        #expect(try directory.candidates("lovelace") != nil)
        try directory.check("with the first pass done again")
    }

    /// Another service writing to the directory (or an administrator by hand) changes, adds
    /// and removes users no import names: the trigger notes them, so searches answer as a scan
    /// at once and the idle indexing catches up; a TRUNCATE starts the first pass again.
    @Test func usersChangedByAnotherWriterAreFoundAtOnce() throws {
        let directory = try Directory(.postgresql, seed: 16)
        try directory.importRows(1_000)
        while try directory.indexStep(chunks: 64) {}
        let other = try PostgresConnection(url: directory.postgresURL)
        let renamed = try #require(directory.users.keys.sorted().first)
        let removed = try #require(directory.users.keys.sorted().last)
        try other.execute(
            """
            UPDATE users SET last_name = 'Outsider' WHERE email = '\(renamed)';
            DELETE FROM users WHERE email = '\(removed)';
            INSERT INTO users (email, first_name, last_name, state, created_at, updated_at, last_import_id)
            VALUES ('outsider@example.com', 'Ada', 'Outsider', 'active', 0, 0, 0)
            """)
        directory.users[renamed]?.last = "Outsider"
        directory.users[removed] = nil
        directory.users["outsider@example.com"] = ("Ada", "Outsider", .active)
        #expect(try other.scalar("SELECT count(*) FROM user_search_dirty") == "3")
        #expect(try directory.candidates("outsider") != nil)
        try directory.check("changed by another writer, not indexed")
        var steps = 0
        while try directory.indexStep(chunks: 64) { steps += 1 }
        #expect(steps == 1)
        #expect(try other.scalar("SELECT count(*) FROM user_search_dirty") == "0")
        try directory.check("changed by another writer, indexed")

        try other.execute("TRUNCATE users")
        directory.users = [:]
        #expect(try directory.candidates("outsider") == nil)
        try directory.check("truncated")
        try directory.importRows(300)
        while try directory.indexStep(chunks: 64) {}
        #expect(try directory.candidates("outsider") != nil)
        try directory.check("truncated, imported again, indexed")
    }

    /// The index marks each import it read, not a high-water id: an import with a lower id that
    /// commits after a later one was read (imports take their ids under the directory's lock,
    /// but nothing in the store relies on it) is still read, and searched meanwhile.
    @Test func anImportCommittedAfterALaterOneWasReadIsReadToo() throws {
        let directory = try Directory(.postgresql, seed: 14)
        let connection = try #require(directory.postgres)
        try directory.importRows(500)
        while try directory.indexStep(chunks: 64) {}
        let early = try PostgresConnection(url: directory.postgresURL)
        // The earlier one has its id; the later one takes the directory, commits and is read.
        try early.execute("BEGIN")
        let earlyID = try directory.begin(on: early)
        try connection.transaction { try directory.importRows(800, inTransactionOn: connection) }
        while try directory.indexStep(chunks: 64) {}
        try directory.importRows(800, inTransactionOn: early, as: earlyID)
        try early.execute("COMMIT")
        #expect(try directory.candidates("lovelace") != nil)
        try directory.check("with the earlier import committed last, not read")
        while try directory.indexStep(chunks: 64) {}
        try directory.check("with the earlier import read")
    }

    /// The imports not indexed yet are read a few chunks a statement, across imports: each page
    /// starts after the last chunk read, so every row is read once and every email they name is
    /// a candidate.
    @Test(arguments: [1, 2, 3, PostgresUserSearch.pendingPageSize])
    func thePendingChunksAreReadAPageAtATime(pageSize: Int) throws {
        let directory = try Directory(.postgresql, seed: 15)
        let connection = try #require(directory.postgres)
        try directory.importRows(100)
        while try directory.indexStep(chunks: 64) {}
        var named: [String] = []
        // Two imports of two and three chunks, each row naming an address no other row names.
        for rows in [1_500, 2_100] {
            try connection.transaction {
                var results = PostgresRowResultWriter(
                    connection: connection, importID: try directory.begin(on: connection))
                for line in 2..<(2 + rows) {
                    let email = "late\(named.count)@example.com"
                    named.append(email)
                    try results.record(
                        RowResult(line: line, email: email, status: "New", outcome: .created, reason: ""))
                }
                try results.finish()
            }
        }
        #expect(
            try connection.scalar(
                "SELECT count(*) FROM import_row_chunks c JOIN imports i ON i.id = c.import_id WHERE i.search_indexed_at IS NULL"
            )
                == "5")
        let candidates = try #require(
            try PostgresUserSearch.candidates(for: "late", connection: connection, pageSize: pageSize))
        let missing = Set(named).subtracting(candidates)
        #expect(missing.count == 0, "\(missing.count) of the \(named.count) emails named are not candidates")
        // Each row once, in the order of the key the pages follow.
        var read: [String] = []
        try PostgresUserSearch.forEachPendingRow(connection: connection, pageSize: pageSize) {
            read.append($0.email)
        }
        let readOnceInOrder = read == named
        #expect(readOnceInOrder, "\(read.count) rows read of \(named.count)")
    }

    @Test func theMatchExpressionIsEveryTrigramOnceQuoted() {
        #expect(UserSearch.matchExpression("ab") == nil)
        #expect(UserSearch.matchExpression("a\0bc") == nil)
        #expect(UserSearch.matchExpression("abab") == "\"aba\" AND \"bab\"")
        #expect(UserSearch.matchExpression("\"ch") == "\"\"\"ch\"")
        #expect(UserSearch.matchExpression("zoe\u{308}") == "\"zoe\" AND \"oe\u{308}\"")
    }

    @Test func aServerTermIsIndexableWithThreeLettersOrDigitsInARow() {
        #expect(PostgresUserSearch.isIndexable("ada"))
        #expect(PostgresUserSearch.isIndexable("o'bri"))
        #expect(PostgresUserSearch.isIndexable("user12@"))
        #expect(!PostgresUserSearch.isIndexable("o'b"))
        #expect(!PostgresUserSearch.isIndexable("zoë"))
        #expect(!PostgresUserSearch.isIndexable("a_b_c"))
        #expect(!PostgresUserSearch.isIndexable("王王王"))
    }
}

private let sampleTime = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
