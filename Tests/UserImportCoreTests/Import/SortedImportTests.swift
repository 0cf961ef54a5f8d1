import Foundation
import SeededRandom
import Synchronization
import Testing

@testable import UserImportCore

/// Past `sortedBeyond` rows the importer decides the rest in email order, through spill files:
/// every result, email, user and count must be what reading in file order gives, whatever the
/// mix of statuses, duplicates and rows rejected before the directory.
struct SortedImportTests {
    /// Every email queued, with its recipient.
    struct Queued: NotificationOutbox {
        struct Entry: Equatable {
            var kind: NotificationKind
            var recipient: Recipient
            var line: Int
        }
        var entries: [Entry] = []
        var flushes = 0

        mutating func queue(_ notification: NotificationKind, to recipient: Recipient, line: Int) throws {
            entries.append(Entry(kind: notification, recipient: recipient, line: line))
        }
        mutating func flush() throws { flushes += 1 }
    }

    /// The spill files a run made, to see that it sorted at all.
    final class SpillFiles: Sendable {
        let made = Mutex<[MemorySpillFile]>([])
        var bytes: Int { made.withLock { $0.reduce(0) { $0 + $1.appendedBytes } } }
        var count: Int { made.withLock { $0.count } }
        /// What the files still hold: they let their bytes go once read.
        var left: Int { made.withLock { $0.reduce(0) { $0 + $1.count } } }
    }

    struct Outcome: Equatable {
        var summary: ImportSummary
        var results: [RowResult]
        var queued: [Queued.Entry]
        var users: [String: StoredUser]
    }

    static func run(
        _ text: String, directory: InMemoryDirectory, options: ImportOptions = ImportOptions(),
        sortedBeyond: Int?, spills: SpillFiles = SpillFiles(), batchSize: Int = 7, deferred: Bool = false
    ) throws -> Outcome {
        var source = BytesSource(Array(text.utf8))
        var directory = directory
        var outbox = Queued()
        var sink = RecordedResults()
        let makeSpill: @Sendable () throws -> any SpillFile = {
            let file = MemorySpillFile()
            spills.made.withLock { $0.append(file) }
            return file
        }
        let importer = Importer(
            options: options, makeLane: { deferred ? DeferredLane() as any BatchLane : InlineBatchLane() },
            makeSpill: sortedBeyond == nil ? nil : makeSpill, sortedBeyond: sortedBeyond ?? 0,
            batchSize: batchSize)
        let summary = try importer.run(
            source: &source, directory: &directory, outbox: &outbox, results: &sink)
        #expect(sink.results.map(\.line) == sink.results.map(\.line).sorted(), "results in line order")
        #expect(outbox.entries.map(\.line) == outbox.entries.map(\.line).sorted(), "emails in line order")
        return Outcome(
            summary: summary, results: sink.results, queued: outbox.entries, users: directory.users)
    }

    /// A file of few emails many times over, every status, names that change, and rows the
    /// validator rejects (no email, an unknown status), against a directory that holds some.
    static func file(rows: Int, using random: inout SplitMix64) -> (String, InMemoryDirectory) {
        let emails = (0..<23).map { "user\($0)@example.com" }
        var directory = InMemoryDirectory()
        for email in emails where random.next() % 3 == 0 {
            let states: [UserState] = [.invited, .active, .deleted]
            directory.users[email] = StoredUser(
                email: email, profile: UserProfile(firstName: "Old", lastName: "Name", title: "Was"),
                state: states[Int(random.next() % 3)])
        }
        var text = "Email ID,First Name,Last Name,User Status,Title\n"
        let statuses = ["New", "Update", "Delete", "Activate", "new", "Retire"]
        for index in 0..<rows {
            let email =
                random.next() % 40 == 0 ? "not an email" : emails[Int(random.next() % UInt64(emails.count))]
            let status = statuses[Int(random.next() % UInt64(statuses.count))]
            let first = random.next() % 4 == 0 ? "" : "Ann\(index % 5)"
            let title = random.next() % 2 == 0 ? "" : "Ingénieure \(index)"
            text += "\(email),\(first),Lee,\(status),\(title)\n"
        }
        return (text, directory)
    }

    /// `deferred`: each lane job runs only when the importer waits for it, as on a slow thread.
    @Test(arguments: [
        (1, 0, false), (2, 13, true), (3, 40, false), (4, 280, true), (5, 1, true), (6, 7, false),
    ])
    func sortedGivesWhatReadingInOrderGives(seed: UInt64, sortedBeyond: Int, deferred: Bool) throws {
        var random = SplitMix64(seed: seed)
        let (text, directory) = Self.file(rows: 300, using: &random)
        let spills = SpillFiles()
        let inOrder = try Self.run(text, directory: directory, sortedBeyond: nil)
        let sorted = try Self.run(
            text, directory: directory, sortedBeyond: sortedBeyond, spills: spills, deferred: deferred)
        #expect(sorted == inOrder)
        #expect(
            spills.count == 2 && spills.bytes > 0 && spills.left == 0,
            "the rows past \(sortedBeyond) went through the spill files")
        #expect(inOrder.summary.counts.rejected > 0 && inOrder.summary.counts.ignored > 0)
        #expect(inOrder.summary.counts.created > 0 && inOrder.summary.counts.deleted > 0)
        #expect(inOrder.results.contains { $0.previous != nil } && !inOrder.queued.isEmpty)
    }

    /// Runs larger than one write (256 KiB) are written in several pieces and read back across them.
    @Test func runsOfSeveralPiecesReadBack() throws {
        var random = SplitMix64(seed: 21)
        var (text, directory) = Self.file(rows: 6_000, using: &random)
        text = text.replacingOccurrences(of: "Ingénieure", with: String(repeating: "Ingénieure ", count: 20))
        directory.users["user1@example.com"] = nil
        let spills = SpillFiles()
        let inOrder = try Self.run(text, directory: directory, sortedBeyond: nil, batchSize: 3_000)
        let sorted = try Self.run(
            text, directory: directory, sortedBeyond: 1_000, spills: spills, batchSize: 3_000)
        #expect(sorted == inOrder)
        #expect(spills.bytes > 2 * 256 * 1024)
    }

    /// Records far longer than a cursor's buffer (a cell of 100 KiB in a column the importer does
    /// not know, kept with the row for the file of rows to fix) read back whole, and the cursors
    /// give the room back.
    @Test func recordsLongerThanACursorsBufferReadBack() throws {
        var random = SplitMix64(seed: 41)
        let (text, directory) = Self.file(rows: 400, using: &random)
        let long = String(repeating: "n", count: 100 * 1024)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var widened = String(lines[0]) + ",Notes\n"
        for (index, line) in lines.dropFirst().enumerated() where !line.isEmpty {
            widened += String(line) + "," + (index % 40 == 0 ? long : "") + "\n"
        }
        let spills = SpillFiles()
        let inOrder = try Self.run(widened, directory: directory, sortedBeyond: nil)
        let sorted = try Self.run(widened, directory: directory, sortedBeyond: 20, spills: spills)
        #expect(sorted == inOrder)
        #expect(inOrder.results.contains { $0.cells?.contains(long) == true }, "a long cell kept")
        #expect(spills.bytes > 5 * 100 * 1024)
    }

    /// A directory or sink that fails while the sorted rows are decided or filed fails the run
    /// with its own error, as it would reading in order.
    @Test(arguments: [false, true])
    func aFailingPortFailsTheSortedRun(whileFiling: Bool) throws {
        struct DiskFull: Error {}
        struct FailingDirectory: UserDirectory {
            var inner: InMemoryDirectory
            var storesLeft: Int
            mutating func users(emails: [String]) throws -> [StoredUser?] { try inner.users(emails: emails) }
            mutating func store(_ users: [StoredUser]) throws {
                storesLeft -= 1
                if storesLeft < 0 { throw DiskFull() }
                try inner.store(users)
            }
        }
        struct FailingSink: RowResultSink {
            var recordsLeft: Int
            mutating func record(_ result: RowResult) throws {
                recordsLeft -= 1
                if recordsLeft < 0 { throw DiskFull() }
            }
            mutating func finish() throws {}
        }
        var random = SplitMix64(seed: 31)
        let (text, directory) = Self.file(rows: 200, using: &random)
        var source = BytesSource(Array(text.utf8))
        // Reading in order stores 4 batches and records 28 rows; the sorting starts after them.
        var users = FailingDirectory(inner: directory, storesLeft: whileFiling ? .max : 6)
        var outbox = Queued()
        var sink = FailingSink(recordsLeft: whileFiling ? 100 : .max)
        let importer = Importer(
            options: ImportOptions(), makeSpill: { MemorySpillFile() }, sortedBeyond: 28, batchSize: 7)
        #expect(throws: DiskFull.self) {
            _ = try importer.run(source: &source, directory: &users, outbox: &outbox, results: &sink)
        }
    }

    /// The one batch a small file has is never sorted, whatever the threshold.
    @Test func aFileOfOneBatchIsNotSorted() throws {
        var random = SplitMix64(seed: 9)
        let (text, directory) = Self.file(rows: 6, using: &random)
        let spills = SpillFiles()
        let sorted = try Self.run(text, directory: directory, sortedBeyond: 0, spills: spills)
        #expect(sorted == (try Self.run(text, directory: directory, sortedBeyond: nil)))
        #expect(spills.count == 0)
    }

    /// A file-level error after the sorting began: the rows read before it get their results,
    /// as they do in file order, so the failed file's report is the same.
    @Test func aFileErrorAfterSortingBeganKeepsTheRowsBeforeIt() throws {
        var random = SplitMix64(seed: 11)
        let (text, directory) = Self.file(rows: 120, using: &random)
        let options = ImportOptions(maxRows: 100)
        let spills = SpillFiles()
        let inOrder = try Self.run(text, directory: directory, options: options, sortedBeyond: nil)
        let sorted = try Self.run(
            text, directory: directory, options: options, sortedBeyond: 20, spills: spills)
        #expect(inOrder.summary.error == .tooManyRows(limit: 100))
        #expect(sorted == inOrder)
        #expect(sorted.results.count == 100 && spills.bytes > 0)
    }

    /// Spill bytes that do not read back fail the import with a clear error, never a trap.
    @Test func damagedSpillBytesFailTheRun() throws {
        final class Damaged: SpillFile {
            let inner = MemorySpillFile()
            func append(_ bytes: [UInt8]) throws -> Int { try inner.append(bytes) }
            func discard() throws { try inner.discard() }
            func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
                let count = try inner.read(at: offset, into: buffer)
                // Every record's byte count is read as far larger than it is.
                if count > 3 { buffer[3] = 0x7F }
                return count
            }
        }
        var random = SplitMix64(seed: 12)
        let (text, directory) = Self.file(rows: 60, using: &random)
        var source = BytesSource(Array(text.utf8))
        var users = directory
        var outbox = Queued()
        var sink = RecordedResults()
        let importer = Importer(
            options: ImportOptions(), makeSpill: { Damaged() }, sortedBeyond: 7, batchSize: 7)
        #expect(throws: SpillError.self) {
            _ = try importer.run(source: &source, directory: &users, outbox: &outbox, results: &sink)
        }
    }

    @Test func recordsReadBackAsWritten() throws {
        let row = UserRow(
            line: 123_456, email: "zoë@example.com", status: .activate,
            profile: UserProfile(
                firstName: "Zoë", lastName: "", alternateID: "A-1", workPhone: "+49 30", title: "Ärztin",
                department: "R&D, \"Labs\""),
            cells: ["zoë@example.com", "", "x,y"])
        var bytes: [UInt8] = []
        SpillRecord.append(row, to: &bytes)
        let previous = StoredUser(email: "zoë@example.com", profile: row.profile, state: .deleted)
        var result = RowResult(
            line: 9, email: "zoë@example.com", status: "Activate", outcome: .activated, reason: "activated",
            cells: ["a", ""], previous: previous)
        let other = StoredUser(
            email: "other@example.com", profile: UserProfile(firstName: "O", lastName: "P"), state: .active)
        let decided = [
            DecidedRow(
                result: result, notification: .init(kind: .activation, recipient: Recipient(previous))),
            DecidedRow(result: result, notification: .init(kind: .invitation, recipient: Recipient(other))),
            DecidedRow(
                result: {
                    result.previous = nil; return result
                }()),
        ]
        for entry in decided { SpillRecord.append(entry, to: &bytes) }
        let file = MemorySpillFile()
        var run = SpillRun()
        try run.add(bytes, to: file)
        var cursor = RunCursor(file: file, run: run, bufferBytes: 5)
        #expect(try cursor.next(SpillRecord.readRow) == row)
        for entry in decided {
            #expect(try cursor.next { try SpillRecord.readDecided(&$0).decided() } == entry)
        }
        #expect(try cursor.next(SpillRecord.readRow) == nil)
    }

    /// A text of a stored result that is not UTF-8 (the file changed under the import) fails it:
    /// read in place, its bytes would be stored as they are.
    @Test func aResultWhoseTextIsNotUTF8IsDamage() throws {
        let result = RowResult(
            line: 7, email: "ann@example.com", status: "New", outcome: .created, reason: "ok")
        var bytes: [UInt8] = []
        SpillRecord.append(DecidedRow(result: result), to: &bytes)
        let at = try #require(bytes.firstIndex(of: UInt8(ascii: "@")))
        bytes[at] = 0xFF
        #expect(throws: SpillError.damaged("a text is not UTF-8")) {
            try SpillRecord.forEachRecord(in: bytes) { _ = try SpillRecord.readDecided(&$0) }
        }
    }

    @Test func runsMergeIntoOneOrder() throws {
        var random = SplitMix64(seed: 5)
        let file = MemorySpillFile()
        var runs: [SpillRun] = []
        var all: [UserRow] = []
        for _ in 0..<9 {
            var rows = (0..<Int(random.next() % 30)).map { _ in
                UserRow(
                    line: Int(random.next() % 100_000), email: "u\(random.next() % 50)@x.org", status: .new,
                    profile: UserProfile(firstName: "A", lastName: "B"))
            }
            rows.sort { EmailOrderKey($0) < EmailOrderKey($1) }
            all += rows
            var first: [UInt8] = []
            var second: [UInt8] = []
            for row in rows.prefix(rows.count / 3) { SpillRecord.append(row, to: &first) }
            for row in rows.dropFirst(rows.count / 3) { SpillRecord.append(row, to: &second) }
            var run = SpillRun()
            // Two pieces a run, apart in the file, as the rejected rows' run has one a batch.
            try run.add(first, to: file)
            _ = try file.append([0xFF])
            try run.add(second, to: file)
            runs.append(run)
        }
        var merge = try RunMerge(
            file: file, runs: runs, bufferBytes: 64, decode: SpillRecord.readRow, key: EmailOrderKey.init)
        var merged: [UserRow] = []
        while let row = try merge.next() { merged.append(row) }
        #expect(merged.map(EmailOrderKey.init) == all.map(EmailOrderKey.init).sorted())
        #expect(merged.count == all.count && !merged.isEmpty)
    }
    /// The key compares the emails' first sixteen bytes as integers before the emails: its order
    /// must still be the directory's, by email (shorter before longer with the same start), then
    /// line.
    @Test func emailOrderKeyIsEmailThenLineOrder() {
        var random = SplitMix64(seed: 23)
        let starts = [
            "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmno", "abcdefghijklmnop", "b", "~",
        ]
        let rows = (0..<2_000).map { _ in
            let start = starts[Int(random.next() % UInt64(starts.count))]
            let tail = Int(random.next() % 3) == 0 ? "" : "\(random.next() % 20)"
            let domain = ["@x.org", "@x.orga", "@y.org"][Int(random.next() % 3)]
            return UserRow(
                line: Int(random.next() % 50), email: start + tail + domain, status: .new,
                profile: UserProfile(firstName: "A", lastName: "B"))
        }
        let byKey = rows.sorted { EmailOrderKey($0) < EmailOrderKey($1) }
        let byText = rows.sorted { $0.email == $1.email ? $0.line < $1.line : $0.email < $1.email }
        let firstDifference = zip(byKey, byText).first { $0.email != $1.email || $0.line != $1.line }
        #expect(
            firstDifference == nil, "\(firstDifference.map { "\($0.0.email) before \($0.1.email)" } ?? "")")
        #expect(Set(rows.map(\.email)).count > 100)
        // Every pair of a few, both ways: less exactly when the texts say so, equal exactly when
        // neither is less.
        let few = rows.prefix(60).map(EmailOrderKey.init)
        for a in few {
            for b in few {
                let textLess = a.email == b.email ? a.line < b.line : a.email < b.email
                #expect((a < b) == textLess, "\(a.email) \(a.line) vs \(b.email) \(b.line)")
                #expect((a == b) == (!(a < b) && !(b < a)))
            }
        }
    }

    /// The results' merge moves records as they are stored and reads only their lines; decoded
    /// afterwards, they are every run's records in line order, and a buffer cut short is damage.
    @Test func recordsMergeByLineWithoutDecoding() throws {
        var random = SplitMix64(seed: 11)
        let file = MemorySpillFile()
        var runs: [SpillRun] = []
        var all: [DecidedRow] = []
        var line = 0
        var lines = (0..<300).map { _ in
            line += 1 + Int(random.next() % 3)
            return line
        }
        lines.shuffle(using: &random)
        for chunk in stride(from: 0, to: lines.count, by: 40) {
            let rows = lines[chunk..<min(chunk + 40, lines.count)].sorted().map { line in
                DecidedRow(
                    result: RowResult(
                        line: line, email: "u\(line)@x.org", status: "New", outcome: .created,
                        reason: "invitation queued"),
                    notification: line % 2 == 0
                        ? .init(
                            kind: .invitation,
                            recipient: Recipient(email: "u\(line)@x.org", firstName: "A", lastName: "B"))
                        : nil)
            }
            all += rows
            var first: [UInt8] = []
            var second: [UInt8] = []
            for row in rows.prefix(7) { SpillRecord.append(row, to: &first) }
            for row in rows.dropFirst(7) { SpillRecord.append(row, to: &second) }
            var run = SpillRun()
            try run.add(first, to: file)
            _ = try file.append([0xFF])
            try run.add(second, to: file)
            runs.append(run)
        }
        var merge = try RecordMerge(file: file, runs: runs, bufferBytes: 32, key: { try $0.int() })
        var bytes: [UInt8] = []
        while try merge.move(to: &bytes) {}
        var merged: [DecidedRow] = []
        try SpillRecord.forEachRecord(in: bytes) { merged.append(try SpillRecord.readDecided(&$0).decided()) }
        #expect(merged == all.sorted { $0.result.line < $1.result.line })
        #expect(merged.count == lines.count)
        #expect(throws: SpillError.self) {
            try SpillRecord.forEachRecord(in: Array(bytes.dropLast())) {
                _ = try SpillRecord.readDecided(&$0)
            }
        }
    }
}
