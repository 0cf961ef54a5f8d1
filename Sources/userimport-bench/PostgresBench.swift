import Glibc
import PostgresScratch
import UserImportCore
import UserImportPostgres
import UserImportService

/// New users into PostgreSQL: the importer over the file with the PostgreSQL directory (a batch
/// read with one statement, its new users copied in, one transaction), against `psql`'s `\copy`
/// of the same file into a table with the unique email index, on one throwaway server with fsync
/// on.
///
/// Only the directory runs on PostgreSQL so far: no history row, row results or outbox, which
/// the SQLite figure includes. The ratio says how far the directory's statements are from the
/// server's own bulk load, before the rest is built on them.
struct PostgresBench {
    let bench: Bench

    func run(file: String, count: Int, runs: Int) throws {
        let server = try PostgresScratchServer(durable: true)
        var ours: [Double] = []
        var copy: [Double] = []
        for _ in 0..<runs {
            let connection = try PostgresConnection(url: try server.database())
            try PostgresSchema.migrate(connection)
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw BenchError("cannot open \(file)") }
            defer { close(fd) }
            var source = ParseOnly.Source(fd: fd)
            var directory = try PostgresUserDirectory(
                connection: connection, importID: 1, now: Timestamp(millisecondsSinceEpoch: 0))
            var outbox = NoNotifications()
            var results = ParseOnly.Nobody()
            let start = Measure.now()
            let summary = try connection.transaction {
                try Importer.overlapping(ImportOptions()).run(
                    source: &source, directory: &directory, outbox: &outbox, results: &results)
            }
            ours.append(Measure.now() - start)
            guard summary.error == nil, summary.rows == count else {
                throw BenchError(
                    "the PostgreSQL import read \(summary.rows) rows: \(String(describing: summary.error))")
            }

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
        let o = Measure.Summary(ours)
        let c = Measure.Summary(copy)
        bench.record("postgresql \(count) New: importer, directory only", bench.seconds(o))
        bench.record("postgresql \(count) floor: psql \\copy (UNIQUE email)", bench.seconds(c))
        bench.record(
            "postgresql \(count) ratio: ours / psql \\copy",
            String(
                format: "%.2f× (target ≤ 1.5×, once history, rows and outbox are on it)", o.median / c.median)
        )
    }
}
