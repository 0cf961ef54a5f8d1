import Foundation
import Testing
import UserImportCore
import UserImportService
import UserImportStore

/// Undo through the pipeline: `undo-ID.request` in the inbox reverses import ID in one
/// transaction, with a history row and a report of its own.
struct UndoPipelineTests {
    static let header = "Email ID,First Name,Last Name,Title,User Status\n"

    /// Drops `body` (rows after the header) and imports it; returns its record.
    @discardableResult
    static func importRows(
        _ body: String, as name: String, into state: TestStateDirectory, _ pipeline: ImportPipeline
    ) throws -> ImportRecord {
        try state.drop(name, header + body)
        let records = try pipeline.processInbox()
        guard records.count == 1 else { throw TestFailure("\(name): \(records.count) imports") }
        return records[0]
    }

    static func undo(_ id: Int64, in state: TestStateDirectory, _ pipeline: ImportPipeline) throws
        -> ImportRecord
    {
        try state.drop("undo-\(id).request", "")
        let records = try pipeline.processInbox()
        guard records.count == 1 else { throw TestFailure("undo of \(id): \(records.count) imports") }
        return records[0]
    }

    @Test func anUndoReversesEveryKindOfChange() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try Self.importRows(
            "ann@example.com,Ann,Lee,Dev,New\nbob@example.com,Bob,Ray,Ops,New\ncid@example.com,Cid,Roe,QA,New\n"
                + "dan@example.com,Dan,Poe,HR,New\ndan@example.com,Dan,Poe,HR,Delete\n",
            as: "a.csv", into: state, pipeline)
        let before = try state.users()
        let changes = try Self.importRows(
            "ann@example.com,Anne,Lee,Lead,Update\nbob@example.com,Bob,Ray,Ops,Delete\n"
                + "cid@example.com,Cid,Roe,QA,Activate\neve@example.com,Eve,Fox,CEO,New\n"
                + "dan@example.com,Dan,Poe,HR,New\nann@example.com,Anna,Lee,Lead,Update\n",
            as: "b.csv", into: state, pipeline)
        #expect(changes.summary.counts.created == 2 && changes.summary.counts.updated == 2)
        #expect(try state.users() != before)

        let undo = try Self.undo(changes.id, in: state, pipeline)
        #expect(undo.disposition == .done, "\(undo.error ?? "")")
        #expect(undo.undoOf == changes.id)
        #expect(try state.users() == before, "every user as before the import")
        #expect(undo.summary.counts.deleted == 2, "eve removed, dan deleted again")
        #expect(undo.summary.counts.updated == 3, "ann, bob and cid put back")
        #expect(try state.list("done").contains("undo-\(changes.id).request.report.txt"))
        let report = try state.read("done/undo-\(changes.id).request.report.txt")
        #expect(report.contains("Undo of:     import \(changes.id), by "))
        #expect(report.contains("\tcid@example.com\tUndo\tupdated\tinvited again"))
        #expect(report.contains("\teve@example.com\tUndo\tdeleted\tdeleted: created by this import"))
        // Eve's and Dan's invitations and Cid's activation, still pending, are cancelled.
        let cancelled = try state.queuedEmails(.cancelled).map(\.email).sorted()
        #expect(cancelled == ["cid@example.com", "dan@example.com", "eve@example.com"])
        #expect(try state.queuedEmails(.pending).allSatisfy { $0.importID != changes.id })
    }

    @Test func aUserALaterImportChangedIsKeptAndListed() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try Self.importRows(
            "ann@example.com,Ann,Lee,Dev,New\nbob@example.com,Bob,Ray,Ops,New\n", as: "a.csv", into: state,
            pipeline)
        let before = try state.users()
        let changes = try Self.importRows(
            "ann@example.com,Ann,Lee,Lead,Update\nbob@example.com,Bob,Ray,Lead,Update\n", as: "b.csv",
            into: state,
            pipeline)
        let later = try Self.importRows(
            "ann@example.com,Ann,Lee,CTO,Update\n", as: "c.csv", into: state, pipeline)
        let undo = try Self.undo(changes.id, in: state, pipeline)
        let users = try state.users()
        #expect(users["bob@example.com"] == before["bob@example.com"])
        #expect(users["ann@example.com"]?.profile.title == "CTO", "kept as the later import left it")
        #expect(undo.summary.counts.unchanged == 1)
        #expect(
            try state.read("done/undo-\(changes.id).request.report.txt").contains(
                "\tann@example.com\tUndo\tunchanged\tkept: changed by import \(later.id)"))
    }

    @Test func anImportIsUndoneOnceAndAnUndoNever() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        let first = try Self.importRows(
            "ann@example.com,Ann,Lee,Dev,New\n", as: "a.csv", into: state, pipeline)
        let undo = try Self.undo(first.id, in: state, pipeline)
        #expect(undo.disposition == .done)
        let users = try state.users()
        let again = try Self.undo(first.id, in: state, pipeline)
        #expect(again.disposition == .failed)
        #expect(again.error == "import \(first.id) was undone already, by import \(undo.id)")
        #expect(try state.list("failed").contains("undo-\(first.id).request.report.txt"))
        let ofUndo = try Self.undo(undo.id, in: state, pipeline)
        #expect(ofUndo.error?.hasPrefix("import \(undo.id) is an undo, which cannot be undone") == true)
        let none = try Self.undo(99, in: state, pipeline)
        #expect(none.error?.hasPrefix("there is no import 99") == true)
        #expect(try state.users() == users, "refused undos change nothing")
        #expect(try state.count("SELECT count(*) FROM imports WHERE undo_of IS NOT NULL") == 1)
    }

    /// "Import the file again instead": the same bytes after an undo are an import, not a duplicate.
    @Test func theFileOfAnUndoneImportImportsAgain() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        let rows = "ann@example.com,Ann,Lee,Dev,New\n"
        let first = try Self.importRows(rows, as: "a.csv", into: state, pipeline)
        let duplicate = try Self.importRows(rows, as: "a.csv", into: state, pipeline)
        #expect(duplicate.disposition == .duplicate && duplicate.duplicateOf == first.id)
        _ = try Self.undo(first.id, in: state, pipeline)
        #expect(try state.users().isEmpty)
        let again = try Self.importRows(rows, as: "a.csv", into: state, pipeline)
        #expect(again.disposition == .done && again.summary.counts.created == 1)
        #expect(try state.users()["ann@example.com"] != nil)
        // The undo's own (empty) request bytes are no file's: an empty file still fails as empty.
        try state.drop("empty.csv", "")
        let empty = try #require(try pipeline.processInbox().first)
        #expect(empty.disposition == .failed && empty.duplicateOf == nil)
        #expect(empty.error?.contains("empty") == true, "\(empty.error ?? "")")
    }

    /// Random sequences of imports (New, Update, Delete, Activate over a few addresses, repeats
    /// and impossible rows included) and undos of random imports, against a model: undoing import
    /// k puts back, as it was before k, every user k wrote last, and leaves every other user alone.
    @Test(arguments: 1...8)
    func randomImportsAndUndosMatchTheModel(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        // Windows of a few rows: a user's rows fall in several, as in a large import.
        pipeline.undoWindowRows = 1 + Int(seed % 4)
        let emails = (0..<12).map { "u\($0)@example.com" }
        var before: [Int64: [String: StoredUser]] = [:]
        var undoable: [Int64] = []
        var undos = 0
        for step in 0..<14 {
            if !undoable.isEmpty && (step % 5 == 4 || random.next(4) == 0) {
                undos += 1
                let target = undoable.remove(at: random.next(undoable.count))
                let stored = try LastWriters(state)
                var expected = stored.users
                for (email, writer) in stored.writers where writer == target {
                    expected[email] = before[target]?[email]
                }
                let putBack = Set(stored.writers.filter { $0.value == target }.keys)
                let othersPending = try state.queuedEmails(.pending).filter {
                    $0.importID == target && !putBack.contains($0.email)
                }
                let undo = try Self.undo(target, in: state, pipeline)
                #expect(undo.disposition == .done, "seed \(seed) step \(step): \(undo.error ?? "")")
                #expect(try state.users() == expected, "seed \(seed) step \(step): undo of \(target)")
                let pending = try state.queuedEmails(.pending).filter { $0.importID == target }
                #expect(
                    pending.map(\.id) == othersPending.map(\.id),
                    "seed \(seed) step \(step): the emails of users put back cancelled, the others pending")
                continue
            }
            var rows = ""
            for _ in 0..<(1 + random.next(10)) {
                let email = emails[random.next(emails.count)]
                let status = ["New", "Update", "Delete", "Activate"][random.next(4)]
                let title = ["Dev", "Ops", "QA"][random.next(3)]
                rows += "\(email),F\(random.next(3)),L,\(title),\(status)\n"
            }
            let snapshot = try state.users()
            let record = try Self.importRows(rows, as: "f\(step).csv", into: state, pipeline)
            guard record.disposition == .done else { continue }
            before[record.id] = snapshot
            undoable.append(record.id)
        }
        #expect(undos >= 2, "seed \(seed)")
    }
}

/// The stored users with the import that wrote each last.
struct LastWriters {
    var users: [String: StoredUser]
    var writers: [String: Int64]

    init(_ state: TestStateDirectory) throws {
        users = try state.users()
        let statement = try state.database().connection.prepare("SELECT email, last_import_id FROM users")
        writers = [:]
        while try statement.step() { writers[statement.text(0)] = statement.int(1) }
    }
}

/// A small seeded generator, so a failing sequence can be run again.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
