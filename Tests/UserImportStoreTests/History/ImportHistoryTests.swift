import Testing
import UserImportCore
import UserImportStore

struct ImportHistoryTests {
    func finishedRecord(_ history: ImportHistory, name: String, sha: String, disposition: Disposition) throws
        -> ImportRecord
    {
        let id = try history.begin(
            workName: FileName(name), size: 42, ownerUID: 1000, receivedAt: sampleTime, startedAt: sampleTime)
        var summary = ImportSummary()
        summary.encoding = .utf16LittleEndian
        summary.delimiter = .semicolon
        summary.headers = [HeaderReading(column: 1, header: "E-mail", field: .email)]
        summary.warnings = ["column 2 \"x\" is not a known field; its values are ignored"]
        summary.rows = 3
        summary.bytes = 42
        summary.counts.created = 2
        summary.counts.rejected = 1
        let record = ImportRecord(
            id: id, fileName: name, path: "done/" + name, sha256: sha, size: 42, ownerUID: 1000,
            receivedAt: sampleTime, startedAt: sampleTime,
            finishedAt: Timestamp(millisecondsSinceEpoch: sampleTime.millisecondsSinceEpoch + 5),
            disposition: disposition, duplicateOf: nil, error: disposition == .failed ? "bad" : nil,
            summary: summary)
        try history.finish(record, publishAttempt: 0)
        return record
    }

    @Test func aFinishedRecordReadsBackUnchanged() throws {
        let history = ImportHistory(database: try StoreTestDatabase().open())
        let record = try finishedRecord(history, name: "a.csv", sha: "aa", disposition: .done)
        #expect(try history.record(id: record.id) == record)
    }

    @Test func onlyDoneImportsCountAsEarlierCopies() throws {
        let history = ImportHistory(database: try StoreTestDatabase().open())
        _ = try finishedRecord(history, name: "f.csv", sha: "same", disposition: .failed)
        #expect(try history.doneImport(sha256: "same") == nil)
        let done = try finishedRecord(history, name: "d.csv", sha: "same", disposition: .done)
        #expect(try history.doneImport(sha256: "same") == done.id)
        #expect(try history.doneImport(sha256: "same", excluding: done.id) == nil)
        #expect(try history.doneImportExists(size: 42))
        #expect(try !history.doneImportExists(size: 42, excluding: done.id), "the failed one does not count")
        #expect(try !history.doneImportExists(size: 43))
    }

    @Test func unpublishedUntilMarked() throws {
        let history = ImportHistory(database: try StoreTestDatabase().open())
        let record = try finishedRecord(history, name: "a.csv", sha: "aa", disposition: .done)
        #expect(try history.unpublished().map(\.workName) == [FileName("a.csv")])
        #expect(try history.recent().isEmpty, "history lists only published imports")
        try history.markPublished(id: record.id, path: "done/a.csv")
        #expect(try history.unpublished().isEmpty)
        #expect(try history.recent().map(\.id) == [record.id])
    }

    @Test func recentIsNewestFirstAndFilters() throws {
        let history = ImportHistory(database: try StoreTestDatabase().open())
        let first = try finishedRecord(history, name: "a.csv", sha: "a", disposition: .done)
        let second = try finishedRecord(history, name: "b.csv", sha: "b", disposition: .failed)
        for record in [first, second] { try history.markPublished(id: record.id, path: "x") }
        #expect(try history.recent().map(\.id) == [second.id, first.id])
        #expect(try history.recent(limit: 1).map(\.id) == [second.id])
        #expect(try history.recent(HistoryQuery(disposition: .failed)).map(\.id) == [second.id])
    }

    @Test func workNamesKeepInvalidUTF8Bytes() throws {
        let history = ImportHistory(database: try StoreTestDatabase().open())
        let name = FileName(bytes: [0x61, 0xFF, 0x0A, 0x2E, 0x63, 0x73, 0x76])
        _ = try history.begin(
            workName: name, size: 0, ownerUID: nil, receivedAt: sampleTime, startedAt: sampleTime)
        #expect(try history.unpublished().first?.workName == name)
    }
}
