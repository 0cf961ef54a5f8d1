import Glibc
import PostgresScratch
import UserImportCore
import UserImportPostgres
import UserImportService

/// New users into PostgreSQL: a file's whole import as the daemon's store would run it (history
/// row, directory, row results and queued invitations in one transaction, the batch written beside
/// the parsing), against `psql`'s `\copy` of the same file into a table with the unique email
/// index, on one throwaway server with fsync on.
struct PostgresBench {
    let bench: Bench

    func run(file: String, count: Int, runs: Int) throws {
        let server = try PostgresScratchServer(durable: true)
        var ours: [Double] = []
        var copy: [Double] = []
        for _ in 0..<runs {
            let connection = try PostgresConnection(url: try server.database())
            try PostgresSchema.migrate(connection)
            let start = Measure.now()
            try importFile(file, count: count, on: connection)
            ours.append(Measure.now() - start)

            let floor = try server.database()
            try PostgresConnection(url: floor).execute(
                """
                CREATE TABLE users (
                    email text COLLATE "C" UNIQUE, first_name text, last_name text, alternate_id text,
                    work_phone text, title text, department text, status text)
                """)
            let run = try Measure.spawn(
                "/usr/bin/psql",
                [floor, "-q", "-v", "ON_ERROR_STOP=1", "-c", "\\copy users FROM '\(file)' CSV HEADER"])
            guard run.status == 0 else { throw BenchError("psql \\copy failed (\(run.status))") }
            copy.append(run.seconds)
        }
        try lookups(on: try server.database(), file: file, count: count)
        let o = Measure.Summary(ours)
        let c = Measure.Summary(copy)
        bench.record("postgresql \(count) New: whole import", bench.seconds(o))
        bench.record("postgresql \(count) floor: psql \\copy (UNIQUE email)", bench.seconds(c))
        bench.record(
            "postgresql \(count) ratio: ours / psql \\copy",
            String(
                format: "%.2f× (target ≤ 1.5×)", o.median / c.median)
        )
    }

    /// The whole import of `file` on `connection` (a migrated, empty database), as the daemon
    /// runs it: what the bench times.
    private func importFile(_ file: String, count: Int, on connection: PostgresConnection) throws {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BenchError("cannot open \(file)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw BenchError("cannot stat \(file)") }
        let size = Int(info.st_size)
        let record = try PostgresImports.importFile(
            .opened(FileSource(fd: fd, name: file), size: size),
            importer: .overlapping(ImportOptions(), scratch: "/var/tmp"),
            connection: connection, workName: FileName("bench.csv"), size: size, ownerUID: nil,
            receivedAt: SystemClock.now(), now: SystemClock.now)
        guard record.disposition == Disposition.done, record.summary.rows == count else {
            throw BenchError(
                "the PostgreSQL import read \(record.summary.rows) rows: \(record.error ?? "\(record.disposition)")"
            )
        }
    }

    /// `users --search` (its first page and count, as the command asks) and `user EMAIL` on a
    /// directory of `count` users just imported, before the idle indexing (a read of every user,
    /// of every chunk) and after it (the trigram index, the lineage keys), with the time the
    /// indexing took.
    private func lookups(on url: String, file: String, count: Int) throws {
        let connection = try PostgresConnection(url: url)
        try PostgresSchema.migrate(connection)
        try importFile(file, count: count, on: connection)
        let listing = PostgresUserListing(connection: connection)
        func ask() throws -> (search: Double, lineage: Double) {
            let start = Measure.now()
            var found = 0
            try listing.forEachUser(states: [], search: "user12345@", offset: 0, limit: 50) { _ in found += 1
            }
            _ = try listing.count(states: [], search: "user12345@", atMost: 10_000)
            let searched = Measure.now()
            let rows = try listing.lineage(email: "user12345@example.com")
            guard found > 0, !rows.isEmpty else { throw BenchError("the lookups found nothing") }
            return (searched - start, Measure.now() - searched)
        }
        let before = try ask()
        // The daemon's idle steps (`indexChunksPerStep` chunks of keys, a quarter as many of
        // search entries): the total and the longest, which is how long a file dropped meanwhile
        // may wait for the step to end.
        let chunks = ImportPipeline.indexChunksPerStep
        func index(_ step: () throws -> Bool) throws -> (total: Double, longest: Double) {
            var total = 0.0
            var longest = 0.0
            while true {
                let start = Measure.now()
                let more = try step()
                let took = Measure.now() - start
                total += took
                longest = max(longest, took)
                if !more { return (total, longest) }
            }
        }
        let lineage = try index {
            try PostgresLineageIndexing(connection: connection).step(chunks: chunks, now: SystemClock.now())
        }
        let search = try index {
            try PostgresUserSearchIndexing(connection: connection).step(
                chunks: max(1, chunks / 4), now: SystemClock.now())
        }
        let after = try ask()
        bench.record(
            "postgresql \(count) users: --search, scan / index",
            String(format: "%.0f ms / %.1f ms", before.search * 1000, after.search * 1000))
        bench.record(
            "postgresql \(count) users: user EMAIL, scan / index",
            String(format: "%.0f ms / %.1f ms", before.lineage * 1000, after.lineage * 1000))
        bench.record(
            "postgresql \(count) users: idle lineage, total / step",
            String(format: "%.1f s / %.0f ms", lineage.total, lineage.longest * 1000))
        bench.record(
            "postgresql \(count) users: idle search, total / step",
            String(format: "%.1f s / %.0f ms", search.total, search.longest * 1000))
    }
}
