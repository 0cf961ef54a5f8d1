import Testing
import UserImportCore

/// The one rule the daemon and `userimportctl undo` both ask before undoing an import.
struct UndoRefusalTests {
    static func record(_ disposition: Disposition, undoOf: Int64? = nil, undoneBy: Int64? = nil)
        -> ImportRecord
    {
        let at = Timestamp(millisecondsSinceEpoch: 0)
        var record = ImportRecord(
            id: 7, fileName: "users.csv", path: nil, sha256: "", size: 0, ownerUID: nil, receivedAt: at,
            startedAt: at, finishedAt: at, disposition: disposition, duplicateOf: nil, error: nil,
            summary: ImportSummary())
        record.undoOf = undoOf
        record.undoneBy = undoneBy
        return record
    }

    @Test func aDoneImportNotUndoneYetCanBeUndone() {
        #expect(UndoRefusal.of(Self.record(.done), id: 7) == nil)
    }

    @Test func everyOtherImportIsRefusedSayingWhy() {
        #expect(UndoRefusal.of(nil, id: 7) == .noSuchImport(7))
        #expect(UndoRefusal.of(Self.record(.done, undoOf: 3), id: 7) == .isAnUndo(7))
        #expect(UndoRefusal.of(Self.record(.done, undoneBy: 9), id: 7) == .undoneAlready(7, by: 9))
        for disposition in [Disposition.failed, .duplicate, .held] {
            #expect(UndoRefusal.of(Self.record(disposition), id: 7) == .notDone(7, disposition))
        }
        #expect(UndoRefusal.undoneAlready(7, by: 9).message == "import 7 was undone already, by import 9")
    }

    @Test func anUndoIsRefusedAsAnUndoEvenWhenFailed() {
        #expect(UndoRefusal.of(Self.record(.failed, undoOf: 3), id: 7) == .isAnUndo(7))
    }
}
