import Testing
import UserImportCore

struct FileFateTests {
    func summary(error: FileError? = nil, created: Int = 2, encoding: InputEncoding = .utf8) -> ImportSummary
    {
        var summary = ImportSummary()
        summary.error = error
        summary.counts.created = created
        summary.encoding = encoding
        return summary
    }

    @Test func aCleanReadIsDoneAndApplied() {
        let fate = FileFate.decide(summary())
        #expect(fate.disposition == .done && fate.appliesChanges && fate.keepsRows)
        #expect(fate.summary.counts.created == 2)
    }

    @Test func theSameBytesAgainAreADuplicateThatAppliesNothing() {
        let fate = FileFate.duplicate(of: 7, read: summary())
        #expect(fate.disposition == .duplicate && fate.duplicateOf == 7)
        #expect(!fate.appliesChanges && !fate.keepsRows)
        #expect(fate.summary.counts.total == 0)
    }

    @Test func aFileLevelErrorFailsWithNoCounts() {
        let fate = FileFate.decide(summary(error: .unterminatedQuote(line: 3)))
        #expect(fate.disposition == .failed && !fate.appliesChanges && !fate.keepsRows)
        #expect(fate.error == FileError.unterminatedQuote(line: 3).message)
        #expect(fate.summary.counts.total == 0)
    }

    @Test func strictModeFailsButListsWhatTheRowsWouldHaveDone() {
        let fate = FileFate.decide(summary(error: .strictModeRejected(count: 1)))
        #expect(
            fate.disposition == .failed && !fate.appliesChanges && fate.listsRowsNotApplied && fate.keepsRows)
        #expect(fate.summary.counts.created == 2)
    }

    @Test func onlyAFileThatWasNotUTF8IsReadAgainWithTheFallback() {
        #expect(
            FileFate.retryEncoding(after: summary(error: .invalidUTF8(offset: 9)), fallback: .windows1252)
                == .windows1252)
        #expect(FileFate.retryEncoding(after: summary(error: .invalidUTF8(offset: 9)), fallback: nil) == nil)
        #expect(
            FileFate.retryEncoding(
                after: summary(error: .notText(offset: 1, looksLike: nil)), fallback: .latin1) == nil)
        #expect(
            FileFate.retryEncoding(
                after: summary(error: .invalidUTF8(offset: 9), encoding: .utf8WithBOM), fallback: .latin1)
                == nil)
    }
}
