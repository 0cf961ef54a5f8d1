import Foundation
import PostgresScratch
import Testing
import UserImportPostgres

/// `userimportctl backup` with [Database] Backend=postgresql while the daemon runs, against an
/// import paused between its last row and its commit; then the restore the manual describes.
struct PostgresBackupTests {
    /// A database as a server's administrator sets one up for the daemons: a role that is no
    /// superuser (`createuser`) owning it (`createdb --owner`). Its URL, name and role, the
    /// administrator's session, and the server (whose programs the tool is given on PATH).
    struct OwnedDatabase {
        let url: String
        let name: String
        let role: String
        let admin: PostgresConnection
        let server: PostgresScratchServer

        init() throws {
            server = try PostgresScratchServer.forTests.get()
            let superuserURL: String
            (superuserURL, name, admin, _) = try PostgresDaemonTests.database()
            role = name + "_owner"
            try admin.execute("CREATE ROLE \(role) LOGIN")
            try admin.execute("ALTER DATABASE \(name) OWNER TO \(role)")
            url = superuserURL.replacing("user=userimport", with: "user=\(role)")
            try #require(url != superuserURL)
        }

        /// The tool's PATH: the stand-ins in `first` (if any), then the server's own programs.
        func path(first: String? = nil) -> String {
            (first.map { $0 + ":" } ?? "") + server.binDirectory + ":/usr/bin:/bin"
        }
    }

    /// A state directory with the configuration the tool reads, for `database`.
    func setUp(_ database: OwnedDatabase) throws -> (state: TestStateDirectory, config: String, file: String)
    {
        let state = try TestStateDirectory()
        let config =
            "[Database]\nBackend=postgresql\nURL=\(database.url)\n[Import]\nSettleTime=300ms\n"
            + "[Mail]\nTransport=none\n"
        let file = state.root + "/ctl.conf"
        try config.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            atPath: state.root + "/bin", withIntermediateDirectories: true)
        return (state, config, file)
    }

    /// A stand-in for a program in the state's bin/, a shell script.
    func standIn(_ state: TestStateDirectory, _ name: String, _ script: String) throws {
        let path = state.root + "/bin/" + name
        try ("#!/bin/sh\n" + script + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try #require(chmod(path, 0o755) == 0)
    }

    @Test func aBackupOfTheServerDuringAnImportHoldsItWholeOrNotAtAllAndRestores() throws {
        let database = try OwnedDatabase()
        let (state, config, configFile) = try setUp(database)
        let token = state.root + "/pause"
        func backup(_ file: String, environment: [String: String] = [:]) throws -> BuiltProgram.Result {
            try BuiltProgram.userimportctl.run(
                ["--state-dir", state.root, "--config", configFile, "backup", file],
                environment: ["PATH": database.path()].merging(environment) { $1 })
        }
        var daemon = try RunningDaemon(
            state: state, config: config, environment: ["USERIMPORTD_TEST_PAUSE_TOKEN": token])
        try state.drop("first.csv", BackupTests.rows(3, from: 0))
        try waitFor("first imported", timeout: 30) { state.exists("done/first.csv.report.txt") }

        // The second file read to its end, every row written, not committed. pg_dump starts only
        // once it has committed (a stand-in lets it go on, waits for its report, then runs the real
        // one), so the copy shows that pg_dump read the snapshot the counts were read in.
        #expect(FileManager.default.createFile(atPath: token, contents: nil))
        try state.drop("second.csv", BackupTests.rows(2_000, from: 3))
        try waitFor("the import to pause before its commit", timeout: 30) { !state.exists("pause") }
        try standIn(
            state, "pg_dump",
            """
            touch "$RESUME"
            for _ in $(seq 600); do [ -e "$REPORT" ] && exec \(database.server.binDirectory)/pg_dump "$@"; sleep 0.05; done
            echo "the paused import did not commit within 30 s" >&2; exit 1
            """)
        let during = state.root + "/during.dump"
        let result = try backup(
            during,
            environment: [
                "PATH": database.path(first: state.root + "/bin"), "RESUME": token + ".resume",
                "REPORT": state.root + "/done/second.csv.report.txt",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("3 users, imports up to 1,"), "\(result.stdout)")
        #expect(result.stdout.contains("read whole by pg_restore"), "\(result.stdout)")
        var info = stat()
        #expect(stat(during, &info) == 0 && info.st_mode & 0o777 == 0o600, "owner only")
        #expect(state.exists("done/second.csv.report.txt"))

        let after = state.root + "/after.dump"
        let whole = try backup(after)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("2,003 users, imports up to 2,"), "\(whole.stdout)")
        let again = try backup(after)
        #expect(again.status == 1 && again.stderr.contains("exists"), "never replaced")
        #expect(try state.list(".").filter { $0.contains("backup") }.isEmpty, "no temporary copy left")

        // The restore the manual describes, for the copy taken during the import: the daemon
        // stopped, a new database owned by the daemons' role, the copy restored into it by that
        // role, the URL pointed at it.
        #expect(try daemon.stop() == 0)
        let restoredName = database.name + "_restored"
        try database.admin.execute("CREATE DATABASE \(restoredName) OWNER \(database.role)")
        let restoredURL = database.url.replacing("dbname=\(database.name)", with: "dbname=\(restoredName)")
        try #require(restoredURL != database.url)
        let restore = try BuiltProgram(name: "pg_restore").run(
            ["--exit-on-error", "--single-transaction", "--dbname=" + restoredURL, during],
            executable: database.server.binDirectory + "/pg_restore")
        #expect(restore.status == 0, "\(restore.stderr)")
        let restored = try PostgresConnection(url: restoredURL)
        #expect(
            try restored.scalar("SELECT count(*) FROM imports") == "1",
            "nothing of the import in progress when the counts were read, though committed before pg_dump ran"
        )
        #expect(try restored.scalar("SELECT count(*) FROM users") == "3")
        #expect(
            try restored.scalar("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'") == "pg_trgm")

        // The restored history never saw the second file: dropped again, it imports.
        daemon = try RunningDaemon(state: state, config: config.replacing(database.url, with: restoredURL))
        try state.drop("second.csv", BackupTests.rows(2_000, from: 3))
        try waitFor("imported again", timeout: 30) {
            try restored.scalar("SELECT count(*) FROM imports WHERE published") == "2"
        }
        // Import 2 was the one in progress: its id was taken from the sequence, and is not given again.
        let imports = try restored.query("SELECT id, disposition FROM imports ORDER BY id")
        #expect(imports == [["1", "done"], ["3", "done"]], "\(imports)")
        #expect(try restored.scalar("SELECT count(*) FROM users") == "2003")
        #expect(try daemon.stop() == 0)
    }

    /// Without pg_dump on PATH the tool says what to install, and writes nothing.
    @Test func aBackupWithoutPgDumpSaysWhatToInstall() throws {
        let database = try OwnedDatabase()
        try PostgresSchema.migrate(try PostgresConnection(url: database.url))
        let (state, _, configFile) = try setUp(database)
        let result = try BuiltProgram.userimportctl.run(
            ["--state-dir", state.root, "--config", configFile, "backup", state.root + "/copy.dump"],
            environment: ["PATH": state.root + "/bin"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("pg_dump is not on PATH") && result.stderr.contains("postgresql-client"),
            "\(result.stderr)")
        #expect(!state.exists("copy.dump"))
        #expect(try state.list(".").filter { $0.contains("backup") }.isEmpty)
    }

    /// A copy pg_restore cannot read whole (pg_dump's own, cut short after it was written), and a
    /// pg_dump killed after it wrote part of one, never take the name.
    @Test(arguments: ["cut short", "killed"])
    func aDumpThatDidNotCompleteIsNotNamed(how: String) throws {
        let database = try OwnedDatabase()
        try PostgresSchema.migrate(try PostgresConnection(url: database.url))
        let (state, _, configFile) = try setUp(database)
        let real = database.server.binDirectory + "/pg_dump"
        try standIn(
            state, "pg_dump",
            """
            \(real) "$@" || exit
            for argument; do case $argument in --file=*) file=${argument#--file=} ;; esac; done
            truncate --size=-40 "$file"
            \(how == "killed" ? "kill -9 $$" : "")
            """)
        let result = try BuiltProgram.userimportctl.run(
            ["--state-dir", state.root, "--config", configFile, "backup", state.root + "/copy.dump"],
            environment: ["PATH": database.path(first: state.root + "/bin")])
        #expect(result.status == 1)
        let said =
            how == "killed"
            ? "pg_dump was killed by signal 9 (Killed); nothing was written; try again"
            : "pg_restore failed with exit status 1: "
        #expect(result.stderr.contains(said), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was written"), "\(result.stderr)")
        #expect(!result.stderr.contains(": pg_restore: "), "its name said once")
        #expect(!state.exists("copy.dump"))
        #expect(try state.list(".").filter { $0.contains("backup") }.isEmpty)
    }
}
