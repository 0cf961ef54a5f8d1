import Testing
import UserImportCore

struct ImporterTests {
    static let header = "Email ID,First Name,Last Name,User Status\n"

    struct Run {
        var summary: ImportSummary
        var directory: InMemoryDirectory
        var outbox: InMemoryOutbox
        var results: [RowResult]
        var finishes: [Int]
    }

    static func run(
        _ bytes: [UInt8], options: ImportOptions = ImportOptions(), directory: InMemoryDirectory = .init(),
        encoding: InputEncoding? = nil, chunkLimit: Int = .max
    ) throws -> Run {
        var source = BytesSource(bytes, chunkLimit: chunkLimit)
        var directory = directory
        var outbox = InMemoryOutbox()
        var sink = RecordedResults()
        let summary = try Importer(options: options).run(
            source: &source, encoding: encoding, directory: &directory, outbox: &outbox, results: &sink)
        return Run(
            summary: summary, directory: directory, outbox: outbox, results: sink.results,
            finishes: sink.finishes)
    }

    static func run(
        _ text: String, options: ImportOptions = ImportOptions(), directory: InMemoryDirectory = .init(),
        chunkLimit: Int = .max
    ) throws -> Run {
        try run(Array(text.utf8), options: options, directory: directory, chunkLimit: chunkLimit)
    }

    @Test func rowsApplyInFileOrder() throws {
        let run = try Self.run(Self.header + "ann@example.com,Ann,Lee,New\nann@example.com,,,Activate\n")
        #expect(run.summary.error == nil)
        #expect(run.results.map(\.outcome) == [.created, .activated])
        #expect(run.results.map(\.line) == [2, 3])
        #expect(
            run.outbox.queued == [
                .init(kind: .invitation, email: "ann@example.com", line: 2),
                .init(kind: .activation, email: "ann@example.com", line: 3),
            ])
        #expect(run.directory.users["ann@example.com"]?.state == .active)
        #expect(run.summary.counts.created == 1)
        #expect(run.summary.counts.activated == 1)
        #expect(run.summary.rows == 2)
    }

    /// A user created in one batch is seen by the rows of the next, and a user written twice in
    /// one batch ends in its last state (batches are invisible in the outcome).
    @Test func rowsApplyInFileOrderAcrossBatches() throws {
        var text = Self.header + "first@example.com,Ann,Lee,New\n"
        for index in 0..<(Importer.batchSize - 1) { text += "u\(index)@example.com,Ann,Lee,New\n" }
        text += "first@example.com,,,Activate\nz@example.com,Zoe,Ray,New\nz@example.com,Zoe,Ray-Li,Update\n"
        text += "z@example.com,,,Delete\n"
        let run = try Self.run(text)
        #expect(run.summary.error == nil)
        #expect(run.results.count == Importer.batchSize + 4)
        #expect(run.results.map(\.line) == Array(2..<(Importer.batchSize + 6)))
        #expect(run.results.suffix(4).map(\.outcome) == [.activated, .created, .updated, .deleted])
        #expect(run.directory.users["first@example.com"]?.state == .active)
        #expect(run.directory.users["z@example.com"]?.state == .deleted)
        #expect(run.directory.users["z@example.com"]?.profile.lastName == "Ray-Li")
        #expect(run.directory.stores == Importer.batchSize + 2, "one write per user per batch")
        #expect(
            run.outbox.queued.last
                == .init(kind: .invitation, email: "z@example.com", line: Importer.batchSize + 3))
    }

    /// A directory that fails its first write, as a full disk would.
    struct FailingDirectory: UserDirectory {
        struct DiskFull: Error {}
        var inner = InMemoryDirectory()
        var batchesAsked = 0

        mutating func users(emails: [String]) throws -> [StoredUser?] {
            batchesAsked += 1
            return try inner.users(emails: emails)
        }

        mutating func store(_ users: [StoredUser]) throws { throw DiskFull() }
    }

    /// A full batch is written on the lane while the next is parsed: its failure still reaches
    /// the caller, no later batch is written after it, and it wins over a file-level error found
    /// further on (a port error means "try again later", not "the file is bad"). The same on a
    /// lane that runs its job late as inline (the daemon's own lane, on another thread, is tested
    /// in the service's tests).
    @Test(arguments: [false, true]) func aFailedBatchWriteStopsTheImport(deferred: Bool) throws {
        var text = Self.header
        for index in 0..<(2 * Importer.batchSize + 10) { text += "u\(index)@example.com,Ann,Lee,New\n" }
        let importer =
            deferred
            ? Importer(options: ImportOptions(), makeLane: { DeferredLane() })
            : Importer(options: ImportOptions())
        for ending in ["", "\"unterminated,Ann,Lee,New\n"] {
            var source = BytesSource(Array((text + ending).utf8))
            var directory = FailingDirectory()
            var outbox = NoNotifications()
            var sink = RecordedResults()
            #expect(throws: FailingDirectory.DiskFull.self) {
                _ = try importer.run(source: &source, directory: &directory, outbox: &outbox, results: &sink)
            }
            #expect(directory.batchesAsked == 1)
            #expect(sink.results.count == Importer.batchSize)
        }
    }

    /// The importer starts no thread of its own: every full batch goes to the lane it was given,
    /// the last partial one is written inline, and the outcome is the same as without a lane.
    @Test func fullBatchesGoToTheInjectedLane() throws {
        var text = Self.header
        for index in 0..<(2 * Importer.batchSize + 10) { text += "u\(index)@example.com,Ann,Lee,New\n" }
        let log = DeferredLane.Log()
        var source = BytesSource(Array(text.utf8))
        var directory = InMemoryDirectory()
        var outbox = InMemoryOutbox()
        var sink = RecordedResults()
        let summary = try Importer(options: ImportOptions(), makeLane: { DeferredLane(log: log) }).run(
            source: &source, directory: &directory, outbox: &outbox, results: &sink)
        #expect(log.jobs.withLock { $0 } == 2)
        #expect(summary.counts.created == 2 * Importer.batchSize + 10)
        #expect(directory.users.count == 2 * Importer.batchSize + 10)
        #expect(sink.results.map(\.line) == Array(2..<(2 * Importer.batchSize + 12)))
        // One flush per batch, after its rows queued their emails.
        #expect(outbox.flushes == [Importer.batchSize, 2 * Importer.batchSize, 2 * Importer.batchSize + 10])
        let inline = try Self.run(text)
        #expect(inline.results == sink.results)
        #expect(inline.outbox.queued == outbox.queued)
    }

    @Test func activateBeforeNewIsRejected() throws {
        let run = try Self.run(Self.header + "ann@example.com,,,Activate\nann@example.com,Ann,Lee,New\n")
        #expect(run.results.map(\.outcome) == [.rejected, .created])
        #expect(run.directory.users["ann@example.com"]?.state == .invited)
    }

    @Test func emailsMatchCaseInsensitively() throws {
        let run = try Self.run(Self.header + "Ann@Example.com,Ann,Lee,New\nANN@EXAMPLE.COM,Anne,Lee,update\n")
        #expect(run.results.map(\.outcome) == [.created, .updated])
        #expect(run.results.map(\.email) == ["ann@example.com", "ann@example.com"])
        #expect(Array(run.directory.users.keys) == ["ann@example.com"])
        #expect(run.directory.users["ann@example.com"]?.profile.firstName == "Anne")
        #expect(run.outbox.queued.count == 1)
    }

    @Test func rowsActOnTheExistingDirectory() throws {
        var directory = InMemoryDirectory()
        for (email, state) in [("a@example.com", UserState.active), ("b@example.com", .invited)] {
            directory.users[email] = StoredUser(
                email: email, profile: UserProfile(firstName: "F", lastName: "L"), state: state)
        }
        let run = try Self.run(
            Self.header + "A@example.com,,,Delete\nb@example.com,F,L,New\nc@example.com,,,Delete\n",
            directory: directory)
        #expect(run.results.map(\.outcome) == [.deleted, .updated, .rejected])
        #expect(run.results.map(\.reason).last == "no such user")
        #expect(run.directory.users["a@example.com"]?.state == .deleted)
        #expect(run.outbox.queued.isEmpty)
    }

    @Test func seedSampleImports() throws {
        let seed = """
            Email ID, First Name, Last Name, Alternate ID, Work Phone, Title, Department, User Status
            john.doe@example.com, John, Doe, , 800-555-1212, President, Executive, New
            jane.doe@example.com, Jane, Doe, , 800-555-5555, VicePresident, Executive, New

            """
        let run = try Self.run(seed)
        #expect(run.summary.error == nil)
        #expect(run.summary.headers.map(\.field) == UserField.allCases)
        #expect(run.summary.warnings.isEmpty)
        #expect(run.results.map(\.outcome) == [.created, .created])
        #expect(
            run.directory.users["jane.doe@example.com"]?.profile
                == UserProfile(
                    firstName: "Jane", lastName: "Doe", workPhone: "800-555-5555", title: "VicePresident",
                    department: "Executive"))
    }

    @Test func badRowsAreResultsNotFailures() throws {
        let run = try Self.run(
            Self.header
                + "not-an-email,A,B,New\nok@example.com,A,B,Frob\nok@example.com,A,B\nok@example.com,A,B,New\n"
        )
        #expect(run.summary.error == nil)
        #expect(run.results.map(\.outcome) == [.ignored, .rejected, .rejected, .created])
        #expect(run.results.map(\.line) == [2, 3, 4, 5])
        #expect(run.summary.counts.ignored == 1)
        #expect(run.summary.counts.rejected == 2)
        #expect(run.summary.counts.total == run.summary.rows)
    }

    @Test func headerOnlyIsAnImportOfNothingWithAWarning() throws {
        let run = try Self.run(Self.header)
        #expect(run.summary.error == nil)
        #expect(run.summary.rows == 0)
        #expect(run.results.isEmpty)
        #expect(run.summary.warnings.contains { $0.contains("no data rows") })
    }

    @Test func emptyFileFails() throws {
        #expect(try Self.run("").summary.error == .empty)
    }

    @Test(arguments: ["\n", "\n\n\r\n   \n", "\r\r", " \t "])
    func onlyBlankLinesHasNoHeader(text: String) throws {
        let run = try Self.run(text)
        #expect(run.summary.error == .noHeader)
        #expect(run.summary.delimiter == nil)
    }

    @Test func missingColumnsFail() throws {
        let run = try Self.run("Email,Name\na@example.com,Ann\n")
        #expect(run.summary.error == .missingColumns([.firstName, .lastName, .userStatus], headerLine: 1))
        #expect(run.results.isEmpty)
        // The report can still show how the header was read.
        #expect(run.summary.headers.map(\.field) == [.email, nil])
        #expect(run.summary.warnings.count == 1)
        #expect(run.summary.delimiter == .comma)
    }

    @Test func tooManyRowsFails() throws {
        let rows = Self.header + "a@example.com,A,B,New\nb@example.com,A,B,New\nc@example.com,A,B,New\n"
        #expect(
            try Self.run(rows, options: ImportOptions(maxRows: 2)).summary.error == .tooManyRows(limit: 2))
        #expect(try Self.run(rows, options: ImportOptions(maxRows: 3)).summary.error == nil)
    }

    @Test func strictModeFailsOnARejectedRow() throws {
        let text = Self.header + "a@example.com,A,B,New\nb@example.com,A,B,Remove\nc@example.com,,,Delete\n"
        let strict = try Self.run(text, options: ImportOptions(strict: true))
        #expect(strict.summary.error == .strictModeRejected(count: 2))
        let lenient = try Self.run(text)
        #expect(lenient.summary.error == nil)
        #expect(lenient.summary.counts.rejected == 2)
        #expect(lenient.summary.counts.created == 1)
    }

    /// The pipeline lists a strict-mode file's rows from a second read with the encoding the
    /// first read detected. With a BOM and a blank first line, that read took the BOM for the
    /// header and listed no rows (found by the import fuzzer).
    @Test(arguments: [[0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xFE, 0xFF]] as [[UInt8]])
    func strictModeSecondReadListsTheSameRows(bom: [UInt8]) throws {
        let text = "\n" + Self.header + "a@example.com,A,B,New\nb@example.com,A,B,Remove\n"
        let body: [UInt8]
        switch bom {
        case [0xFF, 0xFE]: body = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        case [0xFE, 0xFF]: body = text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        default: body = Array(text.utf8)
        }
        let options = ImportOptions(strict: true)
        let first = try Self.run(bom + body, options: options)
        #expect(first.summary.error == .strictModeRejected(count: 1))
        #expect(first.results.map(\.line) == [3, 4])
        let second = try Self.run(bom + body, options: options, encoding: first.summary.encoding)
        #expect(second.summary.error == first.summary.error)
        #expect(second.results == first.results)
    }

    @Test func strictModeAcceptsIgnoredRows() throws {
        let text = Self.header + "a@example.com,A,B,New\nnot-an-email,A,B,New\n"
        let run = try Self.run(text, options: ImportOptions(strict: true))
        #expect(run.summary.error == nil)
        #expect(run.summary.counts.ignored == 1)
    }

    @Test func fileLevelErrorsEndTheRun() throws {
        #expect(
            try Self.run(Self.header + "a@example.com,\"A,B,New\n").summary.error
                == .unterminatedQuote(line: 2))
        let invalid = Array(Self.header.utf8) + [0x61, 0xFF]
        let run = try Self.run(invalid)
        #expect(run.summary.error == .invalidUTF8(offset: Self.header.utf8.count + 1))
        #expect(run.summary.encoding == .utf8)
        let tooLong = Self.header + String(repeating: "x", count: 100) + "\n"
        #expect(
            try Self.run(tooLong, options: ImportOptions(maxRecordBytes: 64)).summary.error
                == .recordTooLong(line: 2, limit: 64))
    }

    /// A sink that holds rows back (the SQLite one writes them in chunks) is told once that no
    /// more come, after the last row, also when a file-level error ended the run.
    @Test func theResultsAreFinishedOnceAfterTheLastRow() throws {
        let rows = Self.header + "a@example.com,A,B,New\nb@example.com,A,B,Remove\nc@example.com,A,B,New\n"
        let runs = [
            try Self.run(rows),
            try Self.run(rows, options: ImportOptions(maxRows: 2)),
            try Self.run(rows, options: ImportOptions(strict: true)),
            try Self.run(rows + "d@example.com,\"A,B,New\n"),
            try Self.run(Self.header),
            try Self.run(""),
        ]
        #expect(
            runs.map(\.summary.error) == [
                nil, .tooManyRows(limit: 2), .strictModeRejected(count: 1), .unterminatedQuote(line: 5), nil,
                .empty,
            ])
        #expect(runs.map(\.finishes) == [[3], [2], [3], [3], [0], [0]])
    }

    @Test func summaryNamesEncodingDelimiterAndSize() throws {
        let text = "Email ID;First Name;Last Name;User Status\r\nzoe@example.com;Zoë;Łukasz;New\r\n"
        let bytes: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let run = try Self.run(bytes)
        #expect(run.summary.error == nil)
        #expect(run.summary.encoding == .utf16LittleEndian)
        #expect(run.summary.delimiter == .semicolon)
        #expect(run.summary.bytes == bytes.count)
        #expect(
            run.directory.users["zoe@example.com"]?.profile
                == UserProfile(firstName: "Zoë", lastName: "Łukasz"))

        let plain = try Self.run("Email ID|First Name|Last Name|User Status\n")
        #expect(plain.summary.encoding == .utf8)
        #expect(plain.summary.delimiter == .pipe)
    }

    @Test func forcedFallbackEncodingIsUsed() throws {
        let bytes =
            Array((Self.header + "jose@example.com,Jos").utf8) + [0xE9] + Array(",Pe\u{F1}a,New\n".utf8)
        #expect(try Self.run(bytes).summary.error == .invalidUTF8(offset: Self.header.utf8.count + 20))
        let latin =
            Array((Self.header + "jose@example.com,Jos").utf8) + [0xE9] + Array(",Pe".utf8) + [0xF1]
            + Array("a,New\n".utf8)
        let run = try Self.run(latin, encoding: .windows1252)
        #expect(run.summary.encoding == .windows1252)
        #expect(
            run.directory.users["jose@example.com"]?.profile
                == UserProfile(firstName: "José", lastName: "Peña"))
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func chunkSizeDoesNotChangeTheImport(chunkLimit: Int) throws {
        let text =
            "\u{FEFF}Email ID, First Name ,Last Name,User Status\r\n\"ann@example.com\",\"Ann, \"\"A\"\"\",Lee,New\r\n"
            + "\r\nbob@example.com,\"Bo\nb\",Ek,New\r\nann@example.com,,,activate\r\nbad@,x,y,New"
        let whole = try Self.run(text)
        let chunked = try Self.run(text, chunkLimit: chunkLimit)
        #expect(chunked.summary == whole.summary)
        #expect(chunked.results == whole.results)
        #expect(chunked.directory.users == whole.directory.users)
        #expect(whole.results.map(\.outcome) == [.created, .rejected, .activated, .ignored])
        #expect(whole.results.map(\.line) == [2, 4, 6, 7])
    }

    // MARK: A million rows

    /// Generates a header and `rows` data rows on demand, a batch at a time.
    struct GeneratedRows: ByteSource {
        let rows: Int
        private var generated = -1  // -1: the header is still to come
        private var pending: [UInt8] = []
        private var position = 0

        init(rows: Int) {
            self.rows = rows
        }

        mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            if position == pending.count {
                refill()
                if pending.isEmpty { return 0 }
            }
            let count = min(buffer.count, pending.count - position)
            pending.withUnsafeBytes { bytes in
                buffer.copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)]))
            }
            position += count
            return count
        }

        private mutating func refill() {
            pending.removeAll(keepingCapacity: true)
            position = 0
            if generated < 0 {
                pending.append(contentsOf: "Email ID,First Name,Last Name,User Status\n".utf8)
                generated = 0
            }
            while pending.count < 1 << 16 && generated < rows {
                generated += 1
                pending.append(contentsOf: GeneratedRows.row(generated).utf8)
            }
        }

        /// Every 1000th row has an invalid email; every 1000th, offset by 500, activates a user
        /// the directory does not have; the rest create users.
        static func row(_ index: Int) -> String {
            switch index % 1000 {
            case 0: return "user\(index).example.com,Ann,Lee,New\n"
            case 500: return "user\(index)@example.com,,,Activate\n"
            default: return "user\(index)@example.com,Ann,Lee \(index),New\n"
            }
        }
    }

    /// Counts calls; always answers "no such user", so nothing is kept.
    struct CountingDirectory: UserDirectory {
        var lookups = 0
        var stores = 0

        mutating func users(emails: [String]) throws -> [StoredUser?] {
            lookups += emails.count
            return emails.map { _ in nil }
        }

        mutating func store(_ users: [StoredUser]) throws {
            stores += users.reduce(0) { count, _ in count + 1 }
        }
    }

    struct CountingOutbox: NotificationOutbox {
        var invitations = 0
        var otherNotifications = 0

        mutating func queue(_ notification: NotificationKind, to recipient: Recipient, line: Int) throws {
            if notification == .invitation { invitations += 1 } else { otherNotifications += 1 }
        }

        mutating func flush() throws {}
    }

    struct CountingResults: RowResultSink {
        var count = 0
        var lastLine = 0

        mutating func record(_ result: RowResult) throws {
            count += 1
            lastLine = result.line
        }

        mutating func finish() throws {}
    }

    @Test func millionRowImport() throws {
        let rows = 1_000_000
        var source = GeneratedRows(rows: rows)
        var directory = CountingDirectory()
        var outbox = CountingOutbox()
        var sink = CountingResults()
        let summary = try Importer(options: ImportOptions()).run(
            source: &source, directory: &directory, outbox: &outbox, results: &sink)
        #expect(summary.error == nil)
        #expect(summary.rows == rows)
        #expect(sink.count == rows)
        #expect(sink.lastLine == rows + 1)
        #expect(summary.counts.ignored == 1000)
        #expect(summary.counts.rejected == 1000)
        #expect(summary.counts.created == rows - 2000)
        #expect(directory.lookups == rows - 1000)
        #expect(directory.stores == rows - 2000)
        #expect(outbox.invitations == rows - 2000)
        #expect(outbox.otherNotifications == 0)
    }
}
