import Foundation
import Testing
import UserImportCore
import UserImportService
import UserImportStore

/// The rows an import stores (in chunks of `RowResultWriter.rowsPerChunk`) are the rows the
/// importer gave, each once and in order, whichever way the pipeline ran it, and the report
/// beside the file lists exactly them.
struct StoredRowResultsTests {
    static let size = RowResultWriter.rowsPerChunk

    /// `count` data rows: new users, every 100th address invalid; the last row's first name is
    /// Zoë (the only non-ASCII) and its status `last`.
    static func file(rows count: Int, last: String = "New") -> String {
        var text = "Email ID,First Name,Last Name,User Status\n"
        for index in 0..<count {
            let email = index % 100 == 99 ? "not-an-email-\(index)" : "u\(index)@example.com"
            let isLast = index == count - 1
            text += "\(email),\(isLast ? "Zoë" : "Ann"),Row \(index),\(isLast ? last : "New")\n"
        }
        return text
    }

    /// What the importer gives for `bytes` against an empty directory, with nothing stored.
    static func importerRows(_ bytes: [UInt8], options: ImportOptions, encoding: InputEncoding? = nil) throws
        -> [RowResult]
    {
        let scratch = try TestStateDirectory()
        var directory = try DryRunUserDirectory(database: ImportDatabase(path: scratch.paths.database))
        var outbox = NoNotifications()
        var rows = CollectedRows()
        var source = BytesSource(bytes)
        _ = try Importer(options: options).run(
            source: &source, encoding: encoding, directory: &directory, outbox: &outbox, results: &rows)
        return rows.rows
    }

    static func expectStored(
        _ expected: [RowResult], for record: ImportRecord, in state: TestStateDirectory,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let stored = try state.storedRows()[record.id] ?? []
        #expect(stored.count == expected.count, sourceLocation: sourceLocation)
        #expect(stored == expected, sourceLocation: sourceLocation)
        let report = try state.read((record.path ?? "") + ".report.txt")
        #expect(report == ReportText.render(record, rows: expected), sourceLocation: sourceLocation)
    }

    @Test(arguments: [0, size, size + 1])
    func anImportStoresTheRowsTheImporterGave(count: Int) throws {
        let state = try TestStateDirectory()
        let text = Self.file(rows: count)
        try state.drop("users.csv", text)
        let records = try state.pipeline().processInbox()
        #expect(records.map(\.disposition) == [.done])
        let expected = try Self.importerRows(Array(text.utf8), options: ImportOptions())
        #expect(expected.count == count)
        for record in records { try Self.expectStored(expected, for: record, in: state) }
    }

    /// Strict mode: the rows are read twice (applied and rolled back, then listed over a dry-run
    /// directory); only the listing's rows stay.
    @Test(arguments: [size, size + 1])
    func aStrictFailureListsEveryRowOnce(count: Int) throws {
        let state = try TestStateDirectory()
        let options = ImportOptions(strict: true)
        let text = Self.file(rows: count, last: "Remove")
        try state.drop("users.csv", text)
        let records = try state.pipeline(options: options).processInbox()
        #expect(records.map(\.disposition) == [.failed])
        let expected = try Self.importerRows(Array(text.utf8), options: options)
        #expect(expected.count == count)
        #expect(expected.last?.outcome == .rejected)
        for record in records { try Self.expectStored(expected, for: record, in: state) }
        #expect(try state.users().isEmpty)
    }

    /// Not UTF-8 after a chunk's worth of rows: the first read stored a chunk, rolled back before
    /// the second read with the fallback encoding stores them all again.
    @Test func aFallbackReadAfterAFullChunkStoresEachRowOnce() throws {
        let state = try TestStateDirectory()
        let options = ImportOptions(fallbackEncoding: .latin1)
        let latin1 = Self.file(rows: Self.size + 1).unicodeScalars.map { UInt8($0.value) }
        try state.drop("users.csv", latin1)
        let records = try state.pipeline(options: options).processInbox()
        #expect(records.map(\.disposition) == [.done])
        #expect(records.first?.summary.encoding == .latin1)
        let expected = try Self.importerRows(latin1, options: options, encoding: .latin1)
        #expect(expected.count == Self.size + 1)
        for record in records { try Self.expectStored(expected, for: record, in: state) }
    }
}
