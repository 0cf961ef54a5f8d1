import Glibc
import UserImportCore
import UserImportStore

/// The floors the import is measured against, in the same run so ratios hold on a noisy machine.
enum Floors {
    static let schema = """
        CREATE TABLE users (email TEXT UNIQUE COLLATE NOCASE, first_name TEXT, last_name TEXT,
            alternate_id TEXT, work_phone TEXT, title TEXT, department TEXT, status TEXT);
        """

    /// `sqlite3 .import` of the file into a table with a unique, case-insensitive email.
    static func sqliteImport(file: String, database: String, scratch: String) throws -> Double {
        let script = scratch + "/import.sql"
        let text = schema + "\n.import --csv --skip 1 \(file) users\n"
        let fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let run = try Measure.spawn("/usr/bin/sqlite3", [database], stdin: script)
        guard run.status == 0 else { throw BenchError("sqlite3 .import failed (\(run.status))") }
        return run.seconds
    }

    /// A prepared INSERT of pre-parsed rows in one transaction: no validation, no row results.
    static func preparedInsert(file: String, database: String) throws -> Double {
        var rows: [[String]] = []
        var parser = CSVParser(maxRecordBytes: 1 << 20)
        let fd = open(file, O_RDONLY)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            try buffer[0..<count].withUnsafeBytes { bytes in
                try parser.parse(bytes) { rows.append($0.fields) }
            }
        }
        close(fd)
        try parser.finish { rows.append($0.fields) }
        rows.removeFirst()
        let start = Measure.now()
        let connection = try SQLiteConnection(path: database)
        try connection.execute(schema)
        let insert = try connection.prepare("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        try connection.transaction {
            for row in rows { try insert.run(row.map { SQLiteValue.text($0) }) }
        }
        return Measure.now() - start
    }
}
