import Testing
import UserImportCore

/// The one run an import and a dry run share: which steps it takes, in which order, for each fate.
struct ImportRunTests {
    /// An attempt that answers with the summaries it is given, one per read, and logs each step.
    struct ScriptedAttempt: ImportAttempt {
        var summaries: [ImportSummary]
        var earlier: Int64?
        var existing = 0
        var released: Int64?
        var steps: [String] = []
        /// The first bytes each read got from the source.
        var seen: [String] = []

        /// Reads that sort find no room for their scratch files.
        var noScratch = false

        mutating func read<Source: ByteSource>(
            _ source: inout Source, with importer: Importer, encoding: InputEncoding?
        ) throws -> ImportSummary {
            steps.append(
                "read \(encoding?.rawValue ?? "detected")\(importer.makeSpill == nil ? "" : " sorting")")
            var bytes = [UInt8](repeating: 0, count: 64)
            let count = try bytes.withUnsafeMutableBytes { try source.read(into: $0) }
            seen.append(String(decoding: bytes[..<count], as: UTF8.self))
            if noScratch, importer.makeSpill != nil {
                throw SpillError.unavailable("No space left on device")
            }
            return summaries.removeFirst()
        }

        mutating func discard() throws { steps.append("discard") }

        mutating func listRows<Source: ByteSource>(
            _ source: inout Source, with importer: Importer, encoding: InputEncoding?
        ) throws {
            steps.append("list \(encoding?.rawValue ?? "detected")")
        }

        /// An earlier import had the file's size; by default when it had its bytes.
        var sameSize: Bool?

        func hasDoneImport(size: Int) throws -> Bool { sameSize ?? (earlier != nil) }
        func earlierImport(sha256: String) throws -> Int64? { earlier }
        func summary(ofImport id: Int64) throws -> ImportSummary {
            var read = ImportSummary()
            read.rows = 5
            read.encoding = .utf16LittleEndian
            read.counts.created = 5
            return read
        }
        func existingUsersBefore(_ read: ImportSummary) throws -> Int { existing }
        func releasedHold(sha256: String) throws -> Int64? { released }
        var importID: Int64? { 7 }
    }

    /// Bytes that count their rewinds; the hash is of the bytes, as a file source's is.
    struct CountingSource: RereadableSource {
        var inner: BytesSource
        let bytes: [UInt8]
        var rewinds = 0

        init(_ text: String) {
            bytes = Array(text.utf8)
            inner = BytesSource(bytes)
        }

        mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            try inner.read(into: buffer)
        }

        mutating func rewind() throws {
            rewinds += 1
            inner = BytesSource(bytes)
        }

        mutating func finishHash() throws -> String {
            var hasher = SHA256()
            hasher.update(bytes)
            return hasher.finalizeHex()
        }
    }

    func summary(_ error: FileError? = nil, encoding: InputEncoding = .utf8) -> ImportSummary {
        var summary = ImportSummary()
        summary.error = error
        summary.encoding = encoding
        summary.counts.created = 1
        return summary
    }

    func run(
        _ attempt: inout ScriptedAttempt, options: ImportOptions = ImportOptions()
    ) throws -> ImportRun.Outcome {
        try ImportRun.run(
            .opened(CountingSource("a,b\n"), size: 4), importer: Importer(options: options), attempt: &attempt
        )
    }

    @Test func aProblemBeforeReadingFailsTheFileWithoutAStep() throws {
        var attempt = ScriptedAttempt(summaries: [])
        let outcome = try ImportRun.run(
            ImportRun.Input<CountingSource>.failedBefore(.wrongExtension(name: "x.json")),
            importer: Importer(options: ImportOptions()), attempt: &attempt)
        #expect(attempt.steps.isEmpty)
        #expect(outcome.sha256 == nil)
        #expect(outcome.fate.disposition == .failed)
        #expect(outcome.fate.error == FileError.wrongExtension(name: "x.json").message)
    }

    /// A large file finds no room to sort in: read again in file order, done, and the report says
    /// why it was slow; never retried for ever, never failed for it.
    @Test func noRoomToSortReadsTheFileAgainInFileOrder() throws {
        var attempt = ScriptedAttempt(summaries: [summary()], noScratch: true)
        let importer = Importer(options: ImportOptions(), makeSpill: { MemorySpillFile() })
        let outcome = try ImportRun.run(
            .opened(CountingSource("a,b\n"), size: 4), importer: importer, attempt: &attempt)
        #expect(attempt.steps == ["read detected sorting", "discard", "read detected"])
        #expect(outcome.fate.disposition == .done)
        #expect(outcome.fate.summary.warnings.contains { $0.contains("No space left on device") })
        #expect(attempt.seen == ["a,b\n", "a,b\n"], "read from the start again")
    }

    @Test func aCleanFileIsReadOnceAndKept() throws {
        var attempt = ScriptedAttempt(summaries: [summary()])
        let outcome = try run(&attempt)
        #expect(attempt.steps == ["read detected"])
        #expect(outcome.fate.disposition == .done)
        var hasher = SHA256()
        hasher.update(Array("a,b\n".utf8))
        #expect(outcome.sha256 == hasher.finalizeHex())
    }

    @Test func notUTF8IsReadAgainWithTheFallbackAfterDiscardingTheFirstRead() throws {
        var attempt = ScriptedAttempt(
            summaries: [summary(.invalidUTF8(offset: 4)), summary(encoding: .windows1252)])
        let outcome = try run(&attempt, options: ImportOptions(fallbackEncoding: .windows1252))
        #expect(attempt.steps == ["read detected", "discard", "read windows-1252"])
        #expect(outcome.fate.disposition == .done)
    }

    @Test func withoutAFallbackNotUTF8Fails() throws {
        var attempt = ScriptedAttempt(summaries: [summary(.invalidUTF8(offset: 4))])
        let outcome = try run(&attempt)
        #expect(attempt.steps == ["read detected", "discard"])
        #expect(outcome.fate.disposition == .failed)
    }

    /// Found by the hash before a row is read; reported with what the earlier import read.
    @Test func theSameBytesAgainAreADuplicateWithoutARowRead() throws {
        var attempt = ScriptedAttempt(summaries: [summary()], earlier: 41)
        let outcome = try run(&attempt)
        #expect(attempt.steps.isEmpty)
        #expect(outcome.fate.disposition == .duplicate && outcome.fate.duplicateOf == 41)
        #expect(outcome.fate.summary.rows == 5 && outcome.fate.summary.encoding == .utf16LittleEndian)
        #expect(outcome.fate.summary.counts.total == 0, "a duplicate applies nothing")
        var hasher = SHA256()
        hasher.update(Array("a,b\n".utf8))
        #expect(outcome.sha256 == hasher.finalizeHex())
    }

    /// A size seen before with other bytes: hashed, then read from the start once.
    @Test func aFileOfASizeSeenBeforeIsHashedThenReadFromTheStart() throws {
        var attempt = ScriptedAttempt(summaries: [summary()], earlier: nil, sameSize: true)
        let outcome = try run(&attempt)
        #expect(attempt.steps == ["read detected"])
        #expect(attempt.seen == ["a,b\n"], "the read starts from the first byte again")
        #expect(outcome.fate.disposition == .done)
    }

    func deleting(_ count: Int) -> ImportSummary {
        var read = summary()
        read.counts.deleted = count
        return read
    }

    @Test func tooManyDeletionsAreHeldThenListed() throws {
        var attempt = ScriptedAttempt(summaries: [deleting(30)], existing: 100)
        let outcome = try run(&attempt)
        #expect(attempt.steps == ["read detected", "discard", "list UTF-8"])
        #expect(outcome.fate.disposition == .held && outcome.fate.listsRowsNotApplied)
        #expect(outcome.fate.error?.contains("userimportctl release 7") == true)
        #expect(outcome.releaseOf == nil)
    }

    @Test func aReleasedFileIsAppliedUnguarded() throws {
        var attempt = ScriptedAttempt(summaries: [deleting(30)], existing: 100, released: 5)
        let outcome = try run(&attempt)
        #expect(attempt.steps == ["read detected"])
        #expect(outcome.fate.disposition == .done && outcome.releaseOf == 5)
    }

    /// A duplicate applies nothing anyway: it is not held, nor even read.
    @Test func aDuplicateIsNotHeld() throws {
        var attempt = ScriptedAttempt(summaries: [deleting(30)], earlier: 3, existing: 100)
        #expect(try run(&attempt).fate.disposition == .duplicate)
        #expect(attempt.steps.isEmpty)
    }

    @Test func strictModeDiscardsThenListsEachRowInTheEncodingRead() throws {
        var attempt = ScriptedAttempt(summaries: [
            summary(.strictModeRejected(count: 1), encoding: .utf8WithBOM)
        ])
        let outcome = try run(&attempt, options: ImportOptions(strict: true))
        #expect(attempt.steps == ["read detected", "discard", "list UTF-8 with BOM"])
        #expect(outcome.fate.disposition == .failed && outcome.fate.listsRowsNotApplied)
    }
}

struct DestinationTests {
    @Test(arguments: [
        (Disposition.done, DuplicatePolicy.done, Destination.done),
        (.done, .failed, .done),
        (.failed, .done, .failed),
        (.failed, .failed, .failed),
        (.duplicate, .done, .done),
        (.duplicate, .failed, .failed),
        (.held, .done, .held),
        (.held, .failed, .held),
    ])
    func theDispositionAndPolicyChooseTheFolder(
        disposition: Disposition, policy: DuplicatePolicy, expected: Destination
    ) {
        #expect(Destination(disposition, duplicates: policy) == expected)
    }

    @Test func aRecordedPathNamesItsFolderBack() {
        for destination in Destination.allCases {
            let path = destination.recordedPath(of: FileName("a.csv"))
            #expect(path == "\(destination.rawValue)/a.csv")
            #expect(Destination(recordedPath: path) == destination)
        }
    }
}

struct MassChangeGuardTests {
    @Test(arguments: [
        // (deletions, existing users, held?)
        (20, 100, false), (21, 100, true), (0, 100, false), (49, 49, false), (10, 50, false), (11, 50, true),
        (1, 4, false), (200, 1000, false), (201, 1000, true),
    ])
    func thePercentAppliesFromMinUsersForPercent(deletions: Int, existing: Int, held: Bool) {
        #expect((MassChangeGuard().trip(deletions: deletions, existingUsers: existing) != nil) == held)
    }

    @Test func maxDeleteRowsHoldsInASmallDirectoryToo() {
        let rule = MassChangeGuard(maxDeleteRows: 5)
        #expect(rule.trip(deletions: 5, existingUsers: 10) == nil)
        #expect(rule.trip(deletions: 6, existingUsers: 10)?.limit == .rows(5))
    }

    @Test func zeroPercentHoldsAnyDeletionInALargeDirectory() {
        let rule = MassChangeGuard(maxDeletePercent: 0)
        #expect(rule.trip(deletions: 1, existingUsers: 50)?.limit == .percent(0))
    }
}
