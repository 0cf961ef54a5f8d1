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
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw BenchError("cannot open \(file)") }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw BenchError("cannot stat \(file)") }
            let size = Int(info.st_size)
            let start = Measure.now()
            let record = try PostgresImports.importFile(
                .opened(FileSource(fd: fd, name: file), size: size),
                importer: .overlapping(ImportOptions(), scratch: "/var/tmp"),
                connection: connection, workName: FileName("bench.csv"), size: size, ownerUID: nil,
                receivedAt: SystemClock.now(), now: SystemClock.now)
            ours.append(Measure.now() - start)
            guard record.disposition == Disposition.done, record.summary.rows == count else {
                throw BenchError(
                    "the PostgreSQL import read \(record.summary.rows) rows: \(record.error ?? "\(record.disposition)")"
                )
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
        bench.record("postgresql \(count) New: whole import", bench.seconds(o))
        bench.record("postgresql \(count) floor: psql \\copy (UNIQUE email)", bench.seconds(c))
        bench.record(
            "postgresql \(count) ratio: ours / psql \\copy",
            String(
                format: "%.2f× (target ≤ 1.5×)", o.median / c.median)
        )
    }
}
