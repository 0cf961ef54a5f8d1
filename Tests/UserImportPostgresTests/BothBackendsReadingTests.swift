import Foundation
import Glibc
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres
@testable import UserImportService

/// What `userimportctl` and the page read — users and their search, one user, an address's
/// lineage, the history and its filters, the outbox — asked of a SQLite file and of PostgreSQL
/// holding the same imports, through the same reading protocols: the answers must be equal,
/// page by page, and `user EMAIL` must answer the same before, while and after each backend's
/// idle indexing.
struct BothBackendsReadingTests {
    final class Pair {
        let sqlite: ImportDatabase
        let postgresURL: String
        let postgres: PostgresConnection
        var ids: [Int64] = []

        init(directory: String, seed: UInt64) throws {
            sqlite = try ImportDatabase(path: directory + "/userimport.db")
            postgresURL = try PostgresServer.shared.get().database()
            postgres = try PostgresConnection(url: postgresURL)
            try PostgresSchema.migrate(postgres)
            let files = BothBackendsImportTests.files(seed: seed)
            for (index, file) in files.enumerated() {
                let path = directory + "/" + file.name
                try Data(file.bytes).write(to: URL(fileURLWithPath: path))
                // A day apart, so `history --since` has something to cut.
                let clock = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + Int64(index) * 86_400_000)
                let importer = Importer(options: file.options)
                let onSQLite = try BothBackendsImportTests.importIntoSQLite(
                    path: path, name: file.name, importer: importer, sqlite, clock)
                let onPostgres = try BothBackendsImportTests.importIntoPostgres(
                    path: path, name: file.name, importer: importer, postgres, clock)
                #expect(onSQLite.id == onPostgres.id)
                ids.append(onSQLite.id)
                // All but the last reach their folder: an unpublished import is not listed.
                if index < files.count - 1 {
                    try ImportHistory(database: sqlite).markPublished(
                        id: onSQLite.id, path: "done/" + file.name)
                    try PostgresImportHistory(connection: postgres).markPublished(
                        id: onPostgres.id, path: "done/" + file.name)
                }
            }
        }

        var users: (any UserReading, any UserReading) {
            (UserListing(database: sqlite), PostgresUserListing(connection: postgres))
        }
        var history: (any HistoryReading, any HistoryReading) {
            (ImportHistory(database: sqlite), PostgresImportHistory(connection: postgres))
        }
        var outbox: (any OutboxReading, any OutboxReading) {
            (OutboxListing(database: sqlite), PostgresOutboxListing(connection: postgres))
        }
    }

    static let searches: [String?] = [
        nil, "", "user1", "EXAMPLE.NET", "zo", "person 2", "lovelace", "\"", "%", "_", "\\", "nobody",
    ]
    static let stateSets: [[UserState]] = [[], [.invited], [.active, .deleted]]
    static let pages: [(offset: Int, limit: Int?)] = [(0, nil), (0, 1), (5, 7), (118, 3), (10_000, 2)]

    @Test(arguments: [21, 22] as [UInt64])
    func everyListingAnswersTheSameOnBoth(seed: UInt64) throws {
        let directory = NSTemporaryDirectory() + "both-reading-\(getpid())-\(seed)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try Pair(directory: directory, seed: seed)

        let (sqliteUsers, postgresUsers) = pair.users
        var listed = 0
        for states in Self.stateSets {
            for search in Self.searches {
                for page in Self.pages {
                    var onSQLite: [StoredUser] = []
                    var onPostgres: [StoredUser] = []
                    try sqliteUsers.forEachUser(
                        states: states, search: search, offset: page.offset, limit: page.limit
                    ) { onSQLite.append($0) }
                    try postgresUsers.forEachUser(
                        states: states, search: search, offset: page.offset, limit: page.limit
                    ) { onPostgres.append($0) }
                    #expect(onPostgres == onSQLite, "\(states) \(search ?? "nil") \(page)")
                    listed += onSQLite.count
                }
                for atMost in [nil, 10] as [Int?] {
                    #expect(
                        try postgresUsers.count(states: states, search: search, atMost: atMost)
                            == sqliteUsers.count(states: states, search: search, atMost: atMost),
                        "\(states) \(search ?? "nil") \(atMost ?? -1)")
                }
            }
        }
        #expect(listed > 1_000)

        // Every 40th user (most are invited once), zoe, and the feeds' users named day after day.
        var sample: [String] = []
        var index = 0
        try sqliteUsers.forEachUser(states: [], search: nil, offset: 0, limit: nil) { user in
            if index % 40 == 0 || user.email.hasPrefix("zoe") { sample.append(user.email) }
            index += 1
        }
        sample += stride(from: 0, to: 120, by: 7).map { "user\($0)@example.com" }
        sample += ["USER1@EXAMPLE.COM", "nobody@example.com", ""]
        for email in sample {
            #expect(try postgresUsers.user(email: email) == sqliteUsers.user(email: email), "\(email)")
        }

        // Lineage: before either backend indexed, with each part-way, and with both done.
        func lineages() throws -> ([String], [String]) {
            func lines(_ reading: any UserReading) throws -> [String] {
                try sample.flatMap { email in
                    try reading.lineage(email: email).map {
                        "\(email) \($0.importID) \($0.fileName) \($0.received.millisecondsSinceEpoch) \($0.row)"
                    }
                }
            }
            return (try lines(sqliteUsers), try lines(postgresUsers))
        }
        let sqliteIndexing = LineageIndexing(database: pair.sqlite)
        let postgresIndexing = PostgresLineageIndexing(connection: pair.postgres)
        let before = try lineages()
        #expect(before.0.count > 2 * sample.count)
        #expect(before.1 == before.0)
        var steps = 0
        while steps < 200 {
            let more = [
                try sqliteIndexing.step(chunks: 1, now: Timestamp(millisecondsSinceEpoch: 0)),
                try postgresIndexing.step(chunks: 2, now: Timestamp(millisecondsSinceEpoch: 0)),
            ]
            guard more.contains(true) else { break }
            steps += 1
            let now = try lineages()
            #expect(now.0 == before.0, "SQLite after step \(steps)")
            #expect(now.1 == before.0, "PostgreSQL after step \(steps)")
        }
        #expect(steps > 1 && steps < 200)

        let (sqliteHistory, postgresHistory) = pair.history
        #expect(try postgresHistory.lastID() == sqliteHistory.lastID())
        let queries =
            [
                HistoryQuery(),
                HistoryQuery(since: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + 3 * 86_400_000)),
                HistoryQuery(fileName: "day1.csv"), HistoryQuery(fileName: "nothing.csv"),
                HistoryQuery(afterID: pair.ids[2]),
            ] + Disposition.allCases.map { HistoryQuery(disposition: $0) }
        for (index, query) in queries.enumerated() {
            #expect(try postgresHistory.count(query) == sqliteHistory.count(query), "query \(index)")
            for page in Self.pages {
                #expect(
                    try postgresHistory.recent(query, offset: page.offset, limit: page.limit)
                        == sqliteHistory.recent(query, offset: page.offset, limit: page.limit),
                    "query \(index) \(page)")
            }
        }
        #expect(try !sqliteHistory.recent(limit: nil).isEmpty)
        for id in pair.ids + [0, 999] {
            #expect(try postgresHistory.record(id: id) == sqliteHistory.record(id: id), "\(id)")
            #expect(try postgresHistory.isPublished(id: id) == sqliteHistory.isPublished(id: id), "\(id)")
            for skipping in [0, 1, 1_024, 2_000] {
                #expect(
                    Array(try postgresHistory.rows(importID: id, skipping: skipping))
                        == Array(try sqliteHistory.rows(importID: id, skipping: skipping)),
                    "\(id) \(skipping)")
            }
        }

        let (sqliteOutbox, postgresOutbox) = pair.outbox
        for state in [nil] + OutboxEntry.State.allCases.map(Optional.some) {
            #expect(
                try postgresOutbox.count(state: state) == sqliteOutbox.count(state: state),
                "\(String(describing: state))")
            for page in Self.pages {
                #expect(
                    try postgresOutbox.entries(
                        state: state, offset: page.offset, limit: page.limit ?? 100_000)
                        == sqliteOutbox.entries(
                            state: state, offset: page.offset, limit: page.limit ?? 100_000),
                    "\(String(describing: state)) \(page)")
            }
        }
        #expect(try sqliteOutbox.count(state: .pending) > 2_000)
    }
}
