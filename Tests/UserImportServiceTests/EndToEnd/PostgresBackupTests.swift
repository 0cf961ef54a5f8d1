import Foundation
import Testing
import UserImportPostgres

/// `userimportctl backup` with [Database] Backend=postgresql while the daemon runs, against an
/// import paused between its last row and its commit; then the restore the manual describes.
struct PostgresBackupTests {
    @Test func aBackupOfTheServerDuringAnImportHoldsItWholeOrNotAtAllAndRestores() throws {
        let (url, name, admin, serverOnly) = try PostgresDaemonTests.database()
        let state = try TestStateDirectory()
        let token = state.root + "/pause"
        let config = serverOnly + "[Mail]\nTransport=none\n"
        let configFile = state.root + "/ctl.conf"
        try config.write(toFile: configFile, atomically: true, encoding: .utf8)
        func backup(_ file: String) throws -> BuiltProgram.Result {
            try BuiltProgram.userimportctl.run([
                "--state-dir", state.root, "--config", configFile, "backup", file,
            ])
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
        try FileManager.default.createDirectory(
            atPath: state.root + "/bin", withIntermediateDirectories: true)
        let late = state.root + "/bin/pg_dump"
        try """
        #!/bin/sh
        touch "$RESUME"
        for _ in $(seq 600); do [ -e "$REPORT" ] && exec /usr/bin/pg_dump "$@"; sleep 0.05; done
        echo "the paused import did not commit within 30 s" >&2; exit 1
        """.write(toFile: late, atomically: true, encoding: .utf8)
        #expect(chmod(late, 0o755) == 0)
        let during = state.root + "/during.dump"
        let result = try BuiltProgram.userimportctl.run(
            ["--state-dir", state.root, "--config", configFile, "backup", during],
            environment: [
                "PATH": state.root + "/bin:/usr/bin:/bin", "RESUME": token + ".resume",
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

        // Restore the copy taken during the import: the daemon stopped, a new database, the copy
        // restored into it, the URL pointed at it.
        #expect(try daemon.stop() == 0)
        let restoredName = name + "_restored"
        try admin.execute("CREATE DATABASE \(restoredName)")
        let restoredURL = url.replacing("dbname=\(name)", with: "dbname=\(restoredName)")
        #expect(restoredURL != url)
        let restore = try BuiltProgram.userimportctl.run(
            ["--exit-on-error", "--single-transaction", "--dbname=" + restoredURL, during],
            executable: "/usr/bin/pg_restore")
        #expect(restore.status == 0, "\(restore.stderr)")
        let restored = try PostgresConnection(url: restoredURL)
        #expect(
            try restored.scalar("SELECT count(*) FROM imports") == "1",
            "nothing of the import in progress when the counts were read, though committed before pg_dump ran"
        )
        #expect(try restored.scalar("SELECT count(*) FROM users") == "3")

        // The restored history never saw the second file: dropped again, it imports.
        daemon = try RunningDaemon(state: state, config: config.replacing(url, with: restoredURL))
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
        let (url, _, _, config) = try PostgresDaemonTests.database()
        try PostgresSchema.migrate(try PostgresConnection(url: url))
        let state = try TestStateDirectory()
        let configFile = state.root + "/ctl.conf"
        try config.write(toFile: configFile, atomically: true, encoding: .utf8)
        let file = state.root + "/copy.dump"
        let result = try BuiltProgram.userimportctl.run(
            ["--state-dir", state.root, "--config", configFile, "backup", file],
            environment: ["PATH": state.root])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("pg_dump is not on PATH") && result.stderr.contains("postgresql-client"),
            "\(result.stderr)")
        #expect(!state.exists("copy.dump"))
        #expect(try state.list(".").filter { $0.contains("backup") }.isEmpty)
    }

    /// A copy pg_restore cannot read whole (here pg_dump's own, cut short after it wrote it) never
    /// takes the name.
    @Test func aDumpThatDoesNotReadWholeIsNotNamed() throws {
        let (url, _, _, config) = try PostgresDaemonTests.database()
        try PostgresSchema.migrate(try PostgresConnection(url: url))
        let state = try TestStateDirectory()
        let configFile = state.root + "/ctl.conf"
        try config.write(toFile: configFile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            atPath: state.root + "/bin", withIntermediateDirectories: true)
        let cutting = state.root + "/bin/pg_dump"
        try """
        #!/bin/sh
        /usr/bin/pg_dump "$@" || exit
        for argument; do case $argument in --file=*) file=${argument#--file=} ;; esac; done
        truncate --size=-40 "$file"
        """.write(toFile: cutting, atomically: true, encoding: .utf8)
        #expect(chmod(cutting, 0o755) == 0)
        let result = try BuiltProgram.userimportctl.run(
            ["--state-dir", state.root, "--config", configFile, "backup", state.root + "/copy.dump"],
            environment: ["PATH": state.root + "/bin:/usr/bin:/bin"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("pg_restore failed") && result.stderr.contains("nothing was written"),
            "\(result.stderr)")
        #expect(!state.exists("copy.dump"))
        #expect(try state.list(".").filter { $0.contains("backup") }.isEmpty)
    }
}
