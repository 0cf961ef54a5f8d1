import Foundation
import SeededRandom
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres

/// The importer over the PostgreSQL directory, against a dictionary that is the directory's
/// model: the same files give the same row results and the same users.
struct PostgresUserDirectoryTests {
    /// The model: what a directory must answer, as a dictionary.
    struct ModelDirectory: UserDirectory {
        var users: [String: StoredUser] = [:]

        mutating func users(emails: [String]) throws -> [StoredUser?] {
            emails.map { users[$0] }
        }

        mutating func store(_ batch: [StoredUser]) throws {
            for user in batch { users[user.email] = user }
        }
    }

    static let header = "Email ID,First Name,Last Name,Alternate ID,Work Phone,Title,Department,User Status\n"
    /// Values that break a naive array or CSV encoding, and ordinary ones.
    static let values = [
        "Ada", "Lovelace", "", "O'Brien", "say \"hi\"", "back\\slash", "{braces}", "a,b", "NULL", "zoë",
        "王", "🙂", " padded ", "=1+2",
    ]
    static let statuses = ["New", "Update", "Delete", "Activate", "new", "Bogus", ""]

    static func file(rows: Int, emails: Int, using random: inout SplitMix64) -> String {
        func cell(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var text = header
        for _ in 0..<rows {
            let number = Int.random(in: 0..<emails, using: &random)
            let email =
                Bool.random(using: &random) ? "user\(number)@example.com" : "User\(number)@Example.COM"
            var cells = [email]
            for _ in 0..<6 { cells.append(values.randomElement(using: &random) ?? "") }
            cells.append(statuses.randomElement(using: &random) ?? "New")
            text += cells.map(cell).joined(separator: ",") + "\n"
        }
        return text
    }

    func importFile<Directory: UserDirectory>(
        _ text: String, into directory: inout Directory,
        by importer: Importer = Importer(options: ImportOptions())
    ) throws -> [RowResult] {
        var source = BytesSource(Array(text.utf8))
        var outbox = NoNotifications()
        var rows = CollectedRows()
        let summary = try importer.run(
            source: &source, directory: &directory, outbox: &outbox, results: &rows)
        #expect(summary.error == nil)
        return rows.rows
    }

    func allUsers(_ connection: PostgresConnection) throws -> [StoredUser] {
        try connection.query("SELECT \(PostgresUserDirectory.columns) FROM users ORDER BY email").map {
            try PostgresUserDirectory.user($0)
        }
    }

    func migratedConnection() throws -> PostgresConnection {
        let connection = try PostgresConnection(url: try PostgresServer.shared.get().database())
        try PostgresSchema.migrate(connection)
        return connection
    }

    @Test(arguments: [1, 2, 3])
    func randomImportsGiveTheModelsResultsAndUsers(seed: UInt64) throws {
        let connection = try migratedConnection()
        var random = SplitMix64(seed: seed)
        var model = ModelDirectory()
        for importID in Int64(1)...8 {
            let text = Self.file(rows: 300, emails: 60, using: &random)
            let expected = try importFile(text, into: &model)
            let now = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + importID)
            let actual = try connection.transaction {
                var directory = try PostgresUserDirectory(
                    connection: connection, importID: importID, now: now)
                return try importFile(text, into: &directory)
            }
            #expect(actual == expected, "import \(importID)")
            let stored = try allUsers(connection)
            let modelled = model.users.values.sorted {
                $0.email.utf8.lexicographicallyPrecedes($1.email.utf8)
            }
            #expect(stored == modelled, "users after import \(importID)")
            // Every user this import changed carries its id and time.
            let written = Set(
                expected.filter { [.created, .updated, .deleted, .activated].contains($0.outcome) }.map(
                    \.email))
            let stamped = try connection.query(
                "SELECT email FROM users WHERE last_import_id = $1 AND updated_at = $2",
                [String(importID), String(now.millisecondsSinceEpoch)]
            ).compactMap { $0[0] }
            #expect(Set(stamped) == written, "stamps of import \(importID)")
        }
    }

    /// More rows than one batch: the second batch sees the first one's users.
    @Test func aFileOfSeveralBatchesGivesTheModelsUsers() throws {
        let connection = try migratedConnection()
        var random = SplitMix64(seed: 99)
        let text = Self.file(rows: Importer.batchSize + 5_000, emails: 20_000, using: &random)
        var model = ModelDirectory()
        let expected = try importFile(text, into: &model)
        let actual = try connection.transaction {
            var directory = try PostgresUserDirectory(
                connection: connection, importID: 1, now: Timestamp(millisecondsSinceEpoch: 1))
            return try importFile(text, into: &directory)
        }
        #expect(actual == expected)
        #expect(try allUsers(connection).count == model.users.count)
        #expect(
            try allUsers(connection)
                == model.users.values.sorted { $0.email.utf8.lexicographicallyPrecedes($1.email.utf8) })
    }

    @Test func aRolledBackImportLeavesTheDirectoryAsItWas() throws {
        let connection = try migratedConnection()
        var random = SplitMix64(seed: 7)
        func directory(_ id: Int64) throws -> PostgresUserDirectory {
            try PostgresUserDirectory(
                connection: connection, importID: id, now: Timestamp(millisecondsSinceEpoch: id))
        }
        _ = try connection.transaction {
            var first = try directory(1)
            return try importFile(Self.file(rows: 200, emails: 50, using: &random), into: &first)
        }
        let before = try allUsers(connection)
        struct Crash: Error {}
        #expect(throws: Crash.self) {
            try connection.transaction {
                var second = try directory(2)
                _ = try importFile(Self.file(rows: 200, emails: 50, using: &random), into: &second)
                throw Crash()
            }
        }
        #expect(try allUsers(connection) == before)
    }

    /// Two daemons importing at once: the second waits for the first to commit before it reads a
    /// single user, so it decides its rows against the first one's result.
    @Test func anImportHoldsTheDirectoryUntilItCommits() throws {
        let url = try PostgresServer.shared.get().database()
        let first = try PostgresConnection(url: url)
        try PostgresSchema.migrate(first)
        let watcher = try PostgresConnection(url: url)
        try first.execute("BEGIN")
        var directory = try PostgresUserDirectory(
            connection: first, importID: 1, now: Timestamp(millisecondsSinceEpoch: 1))
        _ = try importFile(Self.header + "a@example.com,Ada,Lovelace,,,,,New\n", into: &directory)

        let second = SecondImport()
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            defer { finished.signal() }
            do {
                let connection = try PostgresConnection(url: url)
                let rows: [RowResult] = try connection.transaction {
                    var directory = try PostgresUserDirectory(
                        connection: connection, importID: 2, now: Timestamp(millisecondsSinceEpoch: 2))
                    return try importFile(
                        Self.header + "a@example.com,Ada,King,,,,,Update\n", into: &directory)
                }
                second.set(rows.map(\.outcome))
            } catch {
                second.set(error: "\(error)")
            }
        }
        // The second one is seen waiting on the lock, and has not answered.
        let deadline = ContinuousClock.now + .seconds(20)
        while try watcher.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            != "1"
        {
            #expect(ContinuousClock.now < deadline)
            if ContinuousClock.now >= deadline { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(second.outcomes == nil)
        try first.execute("COMMIT")
        #expect(finished.wait(timeout: .now() + 20) == .success)
        #expect(second.outcomes == [.updated])
        #expect(second.failure == nil)
        #expect(try allUsers(watcher).map(\.profile.lastName) == ["King"])
    }

    @Test func aUserStoredWithoutBeingReadIsRefused() throws {
        let connection = try migratedConnection()
        try connection.transaction {
            var directory = try PostgresUserDirectory(
                connection: connection, importID: 1, now: Timestamp(millisecondsSinceEpoch: 1))
            _ = try directory.users(emails: ["b@example.com"])
            let stranger = StoredUser(
                email: "a@example.com", profile: UserProfile(firstName: "A", lastName: "B"), state: .invited)
            #expect(throws: PostgresError.self) { try directory.store([stranger]) }
        }
    }

    /// What the second import saw, written by its thread.
    final class SecondImport: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [RowOutcome]?
        private var error: String?

        func set(_ outcomes: [RowOutcome]) {
            lock.lock()
            seen = outcomes
            lock.unlock()
        }

        func set(error: String) {
            lock.lock()
            self.error = error
            lock.unlock()
        }

        var outcomes: [RowOutcome]? {
            lock.lock()
            defer { lock.unlock() }
            return seen
        }

        var failure: String? {
            lock.lock()
            defer { lock.unlock() }
            return error
        }
    }
}
