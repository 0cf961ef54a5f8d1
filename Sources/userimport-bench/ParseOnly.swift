import Glibc
import UserImportCore

/// `--parse-only PATH`: the importer over a file with a directory that holds nobody and writes
/// nothing — the cost of reading, decoding, parsing, validating and deciding, without SQLite.
enum ParseOnly {
    struct Source: ByteSource {
        let fd: Int32

        mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            guard count >= 0 else { throw BenchError("cannot read") }
            return count
        }
    }

    struct Nobody: UserDirectory, RowResultSink {
        var writes = 0

        mutating func users(emails: [String]) throws -> [StoredUser?] { emails.map { _ in nil } }
        mutating func store(_ users: [StoredUser]) throws {
            for _ in users { writes += 1 }
        }
        mutating func record(_ result: RowResult) throws {}
        mutating func finish() throws {}
    }

    static func run(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BenchError("cannot open \(path)") }
        defer { close(fd) }
        var source = Source(fd: fd)
        var nobody = Nobody()
        var sink = Nobody()
        var outbox = NoNotifications()
        let start = Measure.now()
        let summary = try Importer(options: ImportOptions()).run(
            source: &source, directory: &nobody, outbox: &outbox, results: &sink)
        print(
            String(format: "%d rows, %d writes, %.3f s", summary.rows, nobody.writes, Measure.now() - start))
    }
}
