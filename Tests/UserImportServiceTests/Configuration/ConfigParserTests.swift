import Foundation
import Testing
import UserImportCore
import UserImportService

struct ConfigParserTests {
    func parse(_ text: String) throws -> Configuration {
        var configuration = Configuration()
        try ConfigParser.apply(text, file: "test.conf", to: &configuration)
        return configuration
    }

    @Test func readsEveryKindOfValue() throws {
        let c = try parse(
            """
            # comment
            ; another comment
            [Paths]
            StateDirectory = /srv/users
            Inbox=/srv/drop

            [Import]
            SettleTime=200ms
            RescanInterval=2min
            MaxFileSize=512M
            MaxRows=1000
            MaxRecordBytes=64K
            Strict=yes
            DuplicatePolicy=failed
            FallbackEncoding=windows-1252

            [Mail]
            Transport=sendmail
            From=hr@example.com
            MaxPerMinute=60

            [Log]
            Level=Debug
            """)
        #expect(c.paths.inbox == "/srv/drop")
        #expect(c.paths.done == "/srv/users/done")
        #expect(c.paths.database == "/srv/users/userimportd.sqlite")
        #expect(c.settleTimeMilliseconds == 200)
        #expect(c.rescanIntervalMilliseconds == 120_000)
        #expect(c.maxFileSize == 512 << 20)
        #expect(c.options.maxRows == 1000)
        #expect(c.options.maxRecordBytes == 64 << 10)
        #expect(c.options.strict)
        #expect(c.duplicatePolicy == .failed)
        #expect(c.options.fallbackEncoding == .windows1252)
        #expect(c.mail.transport == .sendmail)
        #expect(c.mail.from == "hr@example.com")
        #expect(c.mail.maxPerMinute == 60)
        #expect(c.logLevel == "debug")
    }

    /// A record's cells are kept with a rejected row, so its limit stays below what one stored
    /// value holds: 128M is the most.
    @Test func theLongestRecordAllowedIs128M() throws {
        #expect(try parse("[Import]\nMaxRecordBytes=128M\n").options.maxRecordBytes == 128 << 20)
    }

    @Test func theGuardsKeys() throws {
        #expect(try parse("").options.massChange == MassChangeGuard())
        let c = try parse(
            "[Guard]\nMaxDeletePercent=5\nMinUsersForPercent=1000\nMaxDeleteRows=300\n[Paths]\nHeld=/srv/held\n"
        )
        #expect(
            c.options.massChange
                == MassChangeGuard(maxDeletePercent: 5, minUsersForPercent: 1000, maxDeleteRows: 300))
        #expect(c.paths.held == "/srv/held")
        #expect(
            try parse("[Guard]\nMaxDeleteRows=3\nMaxDeleteRows=\n").options.massChange.maxDeleteRows == nil)
    }

    @Test func theDatabaseKeys() throws {
        #expect(try parse("").database == DatabaseSettings())
        let c = try parse(
            "[Database]\nBackend=PostgreSQL\nURL=postgresql://app@db.example.com:5433/u?sslmode=require\n")
        #expect(c.database.backend == .postgresql)
        #expect(c.database.url == "postgresql://app@db.example.com:5433/u?sslmode=require")
        #expect(
            try parse("[Database]\nURL=host=/run/postgresql dbname=u\n").database.url
                == "host=/run/postgresql dbname=u")
        #expect(try parse("[Database]\nTakeoverAfter=90s\n").database.takeoverAfterMilliseconds == 90_000)
        #expect(try parse("[Database]\nTakeoverAfter=\n").database.takeoverAfterMilliseconds == nil)
    }

    @Test func laterValuesWin() throws {
        #expect(try parse("[Import]\nStrict=yes\nStrict=no\n").options.strict == false)
    }

    @Test(arguments: [
        ("[Import]\nSettleTime=soon\n", "test.conf:2: [Import] SettleTime: must be a time span"),
        ("[Import]\nStrict=maybe\n", "test.conf:2: [Import] Strict: use yes or no"),
        ("[Import]\nColour=blue\n", "test.conf:2: [Import] Colour: unknown key in [Import]"),
        ("[Imports]\n", "test.conf:1: unknown section [Imports]"),
        (
            "[Guard]\nMaxDeletePercent=120\n",
            "test.conf:2: [Guard] MaxDeletePercent: must be a whole number from 0 to 100"
        ),
        ("[Guard]\nMaxDeleteRows=-1\n", "test.conf:2: [Guard] MaxDeleteRows: must be a whole number from 1"),
        ("Strict=yes\n", "test.conf:1: Strict: the key must be inside a [Section]"),
        ("[Import]\nStrict\n", "test.conf:2: expected Key=Value"),
        ("[Paths]\nInbox=relative/inbox\n", "test.conf:2: [Paths] Inbox: must be a path"),
        ("[Import]\nMaxFileSize=lots\n", "test.conf:2: [Import] MaxFileSize: must be a size"),
        (
            "[Import]\nMaxRecordBytes=129M\n",
            "test.conf:2: [Import] MaxRecordBytes: must be a size from 16 to 134217728 bytes"
        ),
        ("[Import]\nFallbackEncoding=ebcdic\n", "test.conf:2: [Import] FallbackEncoding: unknown encoding"),
        (
            "[Import]\nRescanInterval=10ms\n",
            "test.conf:2: [Import] RescanInterval: must be a time span from 1000ms"
        ),
        ("[Import]\nSettleTime=infs\n", "test.conf:2: [Import] SettleTime: must be a time span from 0ms"),
        ("[Import]\nSettleTime=1e30\n", "test.conf:2: [Import] SettleTime: must be a time span from 0ms"),
        ("[Import]\nRescanInterval=1e14s\n", "test.conf:2: [Import] RescanInterval: must be a time span"),
        ("[Import]\nMaxFileSize=99999999999T\n", "test.conf:2: [Import] MaxFileSize: must be a size from 1"),
        ("[Import]\nMaxRows=99999999999999999999\n", "test.conf:2: [Import] MaxRows: must be a whole number"),
        ("[Mail]\nFrom=not an address\n", "test.conf:2: [Mail] From: not a valid address"),
        ("[History]\nKeepRowResults=400\n", "test.conf:2: [History] KeepRowResults: give a unit"),
        ("[Log]\nLevel=loud\n", "test.conf:2: [Log] Level: use one of"),
        ("[Database]\nBackend=oracle\n", "test.conf:2: [Database] Backend: use one of sqlite, postgresql"),
        (
            "[Database]\nURL=host=db dbname=u password=secret\n",
            "test.conf:2: [Database] URL: the password must not be in the configuration"
        ),
        (
            "[Database]\nURL=host=db dbname=u PASSWORD = secret\n",
            "test.conf:2: [Database] URL: the password must not be in the configuration"
        ),
        (
            "[Database]\nURL=postgresql://app:secret@db.example.com/u\n",
            "test.conf:2: [Database] URL: the password must not be in the configuration"
        ),
    ])
    func badValuesNameFileLineAndKey(_ text: String, _ message: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(String(describing: error).hasPrefix(message), "\(error)")
        }
    }

    /// The built-in sender, written out, loads: an address on this host needs no dotted domain.
    @Test func aSenderOnThisHostIsAValidFrom() throws {
        #expect(try parse("[Mail]\nFrom=userimportd@localhost\n").mail.from == "userimportd@localhost")
        #expect(try parse("[Mail]\nFrom=\(Configuration().mail.from)\n").mail == MailSettings())
        #expect(throws: (any Error).self) { try parse("[Mail]\nFrom=userimportd@\n") }
        #expect(throws: (any Error).self) { try parse("[Mail]\nFrom=@localhost\n") }
    }

    @Test func dropInsApplyInNameOrderAndStateDirOverridesPaths() throws {
        let state = try TestStateDirectory()
        let file = state.root + "/userimportd.conf"
        try "[Import]\nStrict=yes\nMaxRows=5\n[Paths]\nInbox=/elsewhere\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        #expect(mkdir(file + ".d", 0o755) == 0)
        try "[Import]\nMaxRows=7\n".write(toFile: file + ".d/20-rows.conf", atomically: true, encoding: .utf8)
        try "[Import]\nMaxRows=6\nStrict=no\n".write(
            toFile: file + ".d/10-first.conf", atomically: true, encoding: .utf8)
        try "[Import]\nMaxRows=99\n".write(
            toFile: file + ".d/30-ignored.txt", atomically: true, encoding: .utf8)
        let c = try ConfigLoader.load(path: file, stateDirectory: state.root)
        #expect(c.options.maxRows == 7)
        #expect(c.options.strict == false)
        #expect(c.paths.inbox == state.root + "/inbox")
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(path: state.root + "/missing.conf", stateDirectory: nil)
        }
    }

    @Test func defaultsNeedNoFile() throws {
        let c = try ConfigLoader.load(path: nil, stateDirectory: "./var")
        #expect(c.paths.inbox == "./var/inbox")
        #expect(c.settleTimeMilliseconds == 1000)
        #expect(c.rescanIntervalMilliseconds == 60_000)
        #expect(c.mail.transport == .maildir)
        #expect(c.options.strict == false)
    }
}
