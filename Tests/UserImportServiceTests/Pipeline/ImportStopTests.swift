import Testing
import UserImportCore
import UserImportService

/// What an error thrown out of an import means for the file in hand.
struct ImportStopTests {
    struct DatabaseBusy: Error {}

    @Test func eachErrorMeansOneThing() {
        #expect(ImportStop(ImportInterrupted()) == .interrupted)
        #expect(
            ImportStop(FileChangedWhileReading(file: FileName("a.csv")))
                == .changedWhileReading(FileName("a.csv")))
        #expect(ImportStop(DatabaseBusy()) == .transient)
        #expect(ImportStop(SetupError.inboxGone(path: "/s/inbox")) == .transient)
    }
}
