import Foundation
import Testing
import UserImportPostgres

struct PostgresConnectionTests {
    func connect() throws -> PostgresConnection {
        try PostgresConnection(url: try PostgresServer.shared.get().database())
    }

    @Test func textsRoundTripAsTheyAreThroughParameters() throws {
        let connection = try connect()
        let texts = ["", "plain", "O'Brien \"quoted\" \\ back", "zoë 王 🙂", "NULL", "{a,b}", "tab\tnew\nline"]
        for text in texts {
            #expect(try connection.scalar("SELECT $1::text", [text]) == text)
        }
        let row = try connection.query("SELECT $1::text, $2::bigint + 1", [nil, "9223372036854775806"])
        #expect(row == [[nil, "9223372036854775807"]])
    }

    @Test func textsRoundTripAsTheyAreThroughCopy() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE t (n bigint, v text)")
        let texts: [String?] = [
            "", "plain", "back\\slash \\N \\t", "tab\tnew\nline\r\n", "zoë 王 🙂", "\\.", nil, "NULL", "\u{7F}",
        ]
        var rows = CopyRows()
        for (index, text) in texts.enumerated() {
            rows.field(Int64(index))
            try rows.field(text)
            rows.endRow()
        }
        #expect(try connection.copy("COPY t (n, v) FROM STDIN", rows) == texts.count)
        let back = try connection.query("SELECT v FROM t ORDER BY n").map { $0[0] }
        #expect(back == texts)
    }

    @Test func aNulByteIsRefusedNotCutShort() throws {
        let connection = try connect()
        var rows = CopyRows()
        #expect(throws: PostgresError.self) { try rows.field("before\u{0}after") }
        #expect(throws: PostgresError.self) { try connection.query("SELECT $1::text", ["a\u{0}b"]) }
    }

    @Test func aRefusedCopyLeavesTheConnectionUsable() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE t (n bigint PRIMARY KEY)")
        var rows = CopyRows()
        for n in [1, 2, 1] {
            rows.field(Int64(n))
            rows.endRow()
        }
        do {
            try connection.copy("COPY t (n) FROM STDIN", rows)
            Issue.record("a duplicate key was copied")
        } catch let error as PostgresError {
            #expect(error.sqlState == "23505")
        }
        #expect(try connection.scalar("SELECT count(*) FROM t") == "0")
    }

    /// A COPY not waited for: the next statement reads its result first, so it sees the rows;
    /// a refused one throws its own error, naming its statement, from the next use; a rollback
    /// after it is still sent, and the connection goes on; bytea fields arrive as they were.
    @Test func aCopyNotWaitedForIsSettledByTheNextStatement() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE t (n bigint PRIMARY KEY, b bytea)")
        func rows(_ numbers: [Int64]) -> CopyRows {
            var rows = CopyRows()
            for n in numbers {
                rows.field(n)
                rows.field(bytea: [0, 0x5c, 0x09, 0x0a, 0xff, UInt8(n & 0xff)])
                rows.endRow()
            }
            return rows
        }
        try connection.copyWithoutWaiting("COPY t (n, b) FROM STDIN", rows([1, 2]))
        #expect(try connection.scalar("SELECT count(*) FROM t") == "2")
        #expect(
            try PostgresConnection.bytes(connection.scalar("SELECT b FROM t WHERE n = 2"))
                == [0, 0x5c, 0x09, 0x0a, 0xff, 2])

        try connection.execute("BEGIN")
        try connection.copyWithoutWaiting("COPY t (n, b) FROM STDIN", rows([3, 1]))
        do {
            try connection.query("SELECT 1")
            Issue.record("a duplicate key was copied")
        } catch let error as PostgresError {
            #expect(error.sqlState == "23505")
            #expect(error.description.contains("COPY t (n, b)"), "\(error)")
        }
        try connection.execute("ROLLBACK")
        // Refused and never read: the rollback is sent all the same.
        try connection.execute("BEGIN")
        try connection.copyWithoutWaiting("COPY t (n, b) FROM STDIN", rows([6, 1]))
        try connection.execute("ROLLBACK")
        #expect(try connection.scalar("SELECT count(*) FROM t") == "2")
        // A transaction after it begins cleanly, and a COPY left unsettled is read by its COMMIT.
        try connection.transaction {
            try connection.copyWithoutWaiting("COPY t (n, b) FROM STDIN", rows([5]))
        }
        #expect(try connection.scalar("SELECT count(*) FROM t") == "3")
        #expect(throws: PostgresError.self) {
            try connection.transaction {
                try connection.copyWithoutWaiting("COPY t (n, b) FROM STDIN", rows([5]))
            }
        }
        #expect(try connection.scalar("SELECT count(*) FROM t") == "3")
    }

    @Test func aFailedStatementSaysWhatAndCarriesItsSQLState() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE t (k text PRIMARY KEY)")
        try connection.query("INSERT INTO t VALUES ($1)", ["a"])
        do {
            try connection.query("INSERT INTO t VALUES ($1)", ["a"])
            Issue.record("a duplicate key was accepted")
        } catch let error as PostgresError {
            #expect(error.sqlState == "23505")
            #expect(error.message.contains("duplicate key"))
            #expect(!error.isTransient)
        }
    }

    @Test func aTransactionThatThrowsLeavesNothing() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE t (k text PRIMARY KEY)")
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try connection.transaction {
                try connection.query("INSERT INTO t VALUES ('a')")
                throw Stop()
            }
        }
        try connection.transaction { try connection.query("INSERT INTO t VALUES ('b')") }
        #expect(try connection.query("SELECT k FROM t") == [["b"]])
    }

    /// An inner BEGIN is only a warning to the server and its COMMIT would end the outer
    /// transaction: refused, and the outer one still rolls back whole.
    @Test func aTransactionInsideAnotherIsRefused() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE n (k text PRIMARY KEY)")
        #expect(throws: PostgresError.self) {
            try connection.transaction {
                try connection.query("INSERT INTO n VALUES ('a')")
                try connection.transaction { try connection.query("INSERT INTO n VALUES ('b')") }
            }
        }
        #expect(try connection.query("SELECT k FROM n") == [])
    }

    /// A connection string libpq cannot use is the configuration's to fix, not a server to wait for.
    @Test func aMisspeltConnectionStringIsRefusedNotWaitedFor() throws {
        #expect {
            _ = try PostgresConnection(url: "host=/tmp dbnme=x")
        } throws: { error in
            (error as? PostgresError)?.kind == .refused
        }
    }

    @Test func aServerThatIsNotThereIsATransientConnectionError() throws {
        let missing = NSTemporaryDirectory() + "no-such-postgres-\(getpid())"
        do {
            _ = try PostgresConnection(url: "host=\(missing) dbname=x user=userimport connect_timeout=2")
            Issue.record("connected to a server that does not exist")
        } catch let error as PostgresError {
            #expect(error.kind == .unreachable)
            #expect(error.isTransient)
            #expect(error.message.contains(missing))
        }
    }

    /// A server that answers and refuses (here: no such database) is not worth waiting for.
    @Test func aServerThatRefusesIsNotTransient() throws {
        let server = try PostgresServer.shared.get()
        do {
            _ = try PostgresConnection(
                url: "host=\(server.directory) dbname=no_such_database user=userimport")
            Issue.record("connected to a database that does not exist")
        } catch let error as PostgresError {
            #expect(error.kind == .refused)
            #expect(!error.isTransient)
            #expect(error.message.contains("no_such_database"))
        }
    }

    /// A database created for another encoding still gets and gives UTF-8.
    @Test func aLatin1DatabaseStillTalksUTF8() throws {
        let server = try PostgresServer.shared.get()
        let name = "latin1_\(getpid())"
        try PostgresConnection(url: server.adminURL).execute(
            "CREATE DATABASE \(name) ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
        let connection = try PostgresConnection(
            url: "host=\(server.directory) dbname=\(name) user=userimport")
        #expect(try connection.scalar("SELECT $1::text", ["zoë"]) == "zoë")
    }

    @Test func migrationsBringANewDatabaseToTheCurrentVersionOnce() throws {
        let connection = try connect()
        #expect(try PostgresSchema.version(connection) == 0)
        try PostgresSchema.migrate(connection)
        #expect(try PostgresSchema.version(connection) == PostgresSchema.currentVersion)
        try PostgresSchema.migrate(connection)
        #expect(try PostgresSchema.version(connection) == PostgresSchema.currentVersion)
        #expect(try connection.scalar("SELECT count(*) FROM userimport_schema") == "1")
    }

    /// Several daemons starting against one new database: one migrates, the others wait on the
    /// lock and find it done.
    @Test func daemonsMigratingAtOnceMigrateOnce() throws {
        let url = try PostgresServer.shared.get().database()
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do {
                try PostgresSchema.migrate(try PostgresConnection(url: url))
            } catch {
                failures.add("\(error)")
            }
        }
        #expect(failures.all.isEmpty)
        let connection = try PostgresConnection(url: url)
        #expect(try PostgresSchema.version(connection) == PostgresSchema.currentVersion)
        #expect(try connection.scalar("SELECT count(*) FROM userimport_schema") == "1")
    }

    @Test func aNewerDatabaseIsRefusedWithWhatToDo() throws {
        let connection = try connect()
        try PostgresSchema.migrate(connection)
        try connection.execute("UPDATE userimport_schema SET version = version + 1")
        do {
            try PostgresSchema.migrate(connection)
            Issue.record("migrated a database newer than the build")
        } catch let error as PostgresError {
            #expect(error.message.contains("newer than this build"))
            #expect(!error.isTransient)
        }
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var failures: [String] = []

        func add(_ failure: String) {
            lock.lock()
            failures.append(failure)
            lock.unlock()
        }

        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return failures
        }
    }
}
