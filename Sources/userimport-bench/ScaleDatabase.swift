import Glibc
import SeededRandom
import UserImportCore
import UserImportStore

/// Years of history, generated (seeded) straight into a state directory's database through the
/// store's own writers: `users` users created by a first import that names them all, then
/// `dailyImports` imports of `rowsPerDaily` rows each naming users at random, every import
/// published, then indexed as the idle daemon would (lineage keys and the search index). No row
/// goes through the pipeline: ten million users and fifty million row results take minutes this
/// way instead of an hour of imports. Kept in /var/tmp between runs (its name says what it holds
/// and the schema it has), so a second `make bench` reuses it.
struct ScaleDatabase {
    var users: Int
    var dailyImports: Int
    var rowsPerDaily: Int

    /// Bumped when what is generated changes, so an older copy is not reused.
    static let generation = 1

    var rowResults: Int { users + dailyImports * rowsPerDaily }

    static func email(_ index: Int) -> String {
        var digits = String(index)
        digits = String(repeating: "0", count: max(0, 8 - digits.count)) + digits
        return "u\(digits)@scale.example"
    }

    /// The state directory holding it, generated first unless a complete copy is there.
    func stateDirectory(schemaVersion: Int) throws -> String {
        let base = "/var/tmp/userimport-bench-scale"
        mkdir(base, 0o755)
        let name = "g\(Self.generation)-s\(schemaVersion)-\(users)u-\(dailyImports)x\(rowsPerDaily)"
        let directory = base + "/" + name
        if access(directory + "/complete", F_OK) == 0 { return directory }
        let scratch = directory + ".partial"
        _ = system("rm -rf '\(scratch)' '\(directory)'")
        mkdir(scratch, 0o755)
        try generate(into: scratch + "/userimportd.sqlite")
        close(open(scratch + "/complete", O_WRONLY | O_CREAT, 0o644))
        guard rename(scratch, directory) == 0 else { throw BenchError("cannot rename \(scratch)") }
        return directory
    }

    private func generate(into path: String) throws {
        let database = try ImportDatabase(path: path)
        let connection = database.connection
        // A fixture, not an import: no fsync per transaction, a large cache for the index builds.
        try connection.execute("PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000")
        var random = SplitMix64(seed: 2026)
        let day: Int64 = 86_400_000
        let start = Int64(1_420_070_400_000)  // 2015-01-01
        try connection.transaction {
            let insert = try connection.prepare(
                """
                INSERT INTO users (email, first_name, last_name, alternate_id, work_phone, title, department,
                                   state, created_at, updated_at, last_import_id)
                VALUES (?, ?, ?, ?, '', ?, ?, 'invited', ?, ?, 1)
                """)
            for index in 0..<users {
                try insert.run(
                    .text(Self.email(index)), .text(pick(BenchData.firstNames, &random)),
                    .text(pick(BenchData.lastNames, &random)), .text("E\(index)"),
                    .text(pick(BenchData.titles, &random)), .text(pick(BenchData.departments, &random)),
                    .int(start), .int(start))
            }
            // The first import names every user, in a scrambled order (a bijection: the
            // multiplier is prime and larger than any count here).
            try record(
                database, at: start, rows: users, status: "New", outcome: .created,
                email: { Self.email(Int((UInt64($0) &* 2_654_435_761 &+ 12_345) % UInt64(users))) })
            for importIndex in 0..<dailyImports {
                try record(
                    database, at: start + Int64(importIndex + 1) * day, rows: rowsPerDaily, status: "Update",
                    outcome: .updated, email: { _ in Self.email(Int(random.next() % UInt64(users))) })
            }
            try connection.execute("UPDATE imports SET published = 1")
        }
        let indexedAt = Timestamp(millisecondsSinceEpoch: start + Int64(dailyImports + 1) * day)
        while try LineageIndexing(database: database).step(chunks: 1 << 20, now: indexedAt) {}
        // The search index as after an upgrade: a first pass over the users (their values are
        // those of the last import already).
        try connection.execute(
            "UPDATE user_search_progress SET users_after = 0, through_import = (SELECT max(id) FROM imports)")
        while try UserSearchIndexing(database: database).step(chunks: 1024) {}
        try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    /// One published import of `rows` row results.
    private func record(
        _ database: ImportDatabase, at time: Int64, rows: Int, status: String, outcome: RowOutcome,
        email: (Int) -> String
    ) throws {
        let history = ImportHistory(database: database)
        let received = Timestamp(millisecondsSinceEpoch: time)
        let name = "hr-export-\(received.rfc3339.prefix(10)).csv"
        let id = try history.begin(
            workName: FileName(name), size: rows * 80, ownerUID: 0, receivedAt: received, startedAt: received)
        var writer = try RowResultWriter(database: database, importID: id)
        for index in 0..<rows {
            try writer.record(
                RowResult(line: index + 2, email: email(index), status: status, outcome: outcome, reason: ""))
        }
        try writer.finish()
        var summary = ImportSummary()
        summary.rows = rows
        summary.counts[outcome] = rows
        let record = ImportRecord(
            id: id, fileName: name, path: "/var/lib/userimportd/done/" + name,
            sha256: String(repeating: "0", count: 64), size: rows * 80,
            ownerUID: 0, receivedAt: received, startedAt: received, finishedAt: received, disposition: .done,
            duplicateOf: nil, error: nil, summary: summary)
        try history.finish(record, publishAttempt: 0)
    }

    private func pick(_ values: [String], _ random: inout SplitMix64) -> String {
        values[Int(random.next() % UInt64(values.count))]
    }
}
