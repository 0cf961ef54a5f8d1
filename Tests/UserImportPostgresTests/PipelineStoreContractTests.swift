import Foundation
import Glibc
import Testing
import UserImportCore
import UserImportStore

@testable import UserImportPostgres
@testable import UserImportService

/// The daemon's seam to its database, `PipelineStore`, asked the same things of the SQLite file
/// and of PostgreSQL: history rows read back as written, the publishing states the reconciler
/// walks, a rolled-back transaction that leaves nothing, the held decisions and their release,
/// and work names that are not UTF-8. Each test runs on both; they must answer alike.
struct PipelineStoreContractTests {
    enum Backend: CaseIterable, CustomStringConvertible {
        case sqlite, postgresql
        var description: String { self == .sqlite ? "SQLite" : "PostgreSQL" }
    }

    /// A fresh store of `backend`; the SQLite file's folder goes when the test ends.
    final class Fresh {
        let store: any PipelineStore
        private let folder: String?

        init(_ backend: Backend) throws {
            switch backend {
            case .sqlite:
                let folder = NSTemporaryDirectory() + "store-contract-\(getpid())-\(UUID().uuidString)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                self.folder = folder
                store = try SQLitePipelineStore(path: folder + "/userimport.db")
            case .postgresql:
                folder = nil
                store = try PostgresPipelineStore(
                    url: try PostgresServer.shared.get().database(),
                    daemon: "host-a /var/lib/userimportd/work",
                    folders: "/var/lib/userimportd", takeoverAfterMilliseconds: nil)
            }
        }

        deinit {
            if let folder { try? FileManager.default.removeItem(atPath: folder) }
        }
    }

    static let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    /// One import committed: begun and finished in one transaction, as the pipeline does.
    static func committed(
        _ store: any PipelineStore, name: FileName, sha: String, disposition: Disposition,
        received: Timestamp = time
    ) throws -> ImportRecord {
        try store.transaction {
            let id = try store.beginImport(
                workName: name, size: 42, ownerUID: 1000, receivedAt: received, startedAt: received)
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
                id: id, fileName: name.display, path: "done/" + name.display, sha256: sha, size: 42,
                ownerUID: 1000, receivedAt: received, startedAt: received,
                finishedAt: Timestamp(millisecondsSinceEpoch: received.millisecondsSinceEpoch + 5),
                disposition: disposition, duplicateOf: nil, error: disposition == .failed ? "bad" : nil,
                summary: summary)
            try store.finishImport(record, publishAttempt: 0)
            return record
        }
    }

    @Test(arguments: Backend.allCases)
    func aFinishedRecordReadsBackUnchanged(backend: Backend) throws {
        let fresh = try Fresh(backend)
        for disposition in [Disposition.done, .failed, .held] {
            let record = try Self.committed(
                fresh.store, name: FileName("\(disposition).csv"), sha: "aa", disposition: disposition)
            #expect(try fresh.store.record(id: record.id) == record, "\(disposition)")
            #expect(try fresh.store.publishing.record(id: record.id) == record, "\(disposition)")
        }
        #expect(try fresh.store.record(id: 999) == nil)
    }

    /// What the reconciler walks: committed, renamed for a taken name, published, and (a held file
    /// on its way to failed/) unpublished again.
    @Test(arguments: Backend.allCases)
    func anImportIsUnpublishedUntilMarkedAndKeepsItsPlacement(backend: Backend) throws {
        let store = try Fresh(backend).store
        let first = try Self.committed(store, name: FileName("a.csv"), sha: "a", disposition: .done)
        let second = try Self.committed(store, name: FileName("b.csv"), sha: "b", disposition: .failed)
        #expect(try store.unpublished().map(\.workName) == [FileName("a.csv"), FileName("b.csv")])
        #expect(try store.unpublished().map(\.record) == [first, second])
        #expect(try store.placement(id: first.id)?.attempt == 0)

        try store.renamePublished(id: first.id, path: "done/a.1.csv", attempt: 1)
        let renamed = try #require(try store.placement(id: first.id))
        #expect(renamed.attempt == 1)
        #expect(renamed.record.path == "done/a.1.csv")
        #expect(renamed.recordedPath == renamed.destination.recordedPath(of: renamed.publishedName))

        try store.markPublished(id: first.id, path: "done/a.1.csv")
        #expect(try store.unpublished().map(\.record.id) == [second.id])
        try store.publishing.markPublished(id: second.id, path: "failed/b.csv")
        #expect(try store.unpublished().isEmpty)
        #expect(try store.record(id: second.id)?.path == "failed/b.csv")
        try store.markUnpublished(id: second.id)
        #expect(try store.unpublished().map(\.record.id) == [second.id])
    }

    @Test(arguments: Backend.allCases)
    func theDaysCountIsOfImportsReceivedSinceThen(backend: Backend) throws {
        let store = try Fresh(backend).store
        for hour in [0, 1, 2, 3] {
            _ = try Self.committed(
                store, name: FileName("h\(hour).csv"), sha: "\(hour)", disposition: .done,
                received: Timestamp(
                    millisecondsSinceEpoch: Self.time.millisecondsSinceEpoch + Int64(hour) * 3_600_000))
        }
        let twoHoursIn = Timestamp(millisecondsSinceEpoch: Self.time.millisecondsSinceEpoch + 2 * 3_600_000)
        #expect(try store.importCount(since: twoHoursIn) == 2)
        #expect(try store.publishing.count(since: twoHoursIn) == 2)
        #expect(try store.importCount(since: Self.time) == 4)
        #expect(try store.importCount(since: Timestamp(millisecondsSinceEpoch: Int64.max / 2)) == 0)
    }

    struct Refused: Error {}

    @Test(arguments: Backend.allCases)
    func aTransactionThatThrowsLeavesNoImport(backend: Backend) throws {
        let store = try Fresh(backend).store
        var begun: Int64 = 0
        #expect(throws: Refused.self) {
            try store.transaction {
                begun = try store.beginImport(
                    workName: FileName("x.csv"), size: 1, ownerUID: nil, receivedAt: Self.time,
                    startedAt: Self.time)
                throw Refused()
            }
        }
        #expect(begun > 0)
        #expect(try store.record(id: begun) == nil)
        #expect(try store.unpublished().isEmpty)
        // The store is usable after it, and the next import is found.
        let next = try Self.committed(store, name: FileName("y.csv"), sha: "y", disposition: .done)
        #expect(try store.record(id: next.id) == next)
    }

    /// The first decision stands; a release is found by the held file's bytes until the import of
    /// those bytes completes it; a rejection is cleared once carried out.
    @Test(arguments: Backend.allCases)
    func heldDecisionsFirstOneStandsAndAReleaseCompletes(backend: Backend) throws {
        let store = try Fresh(backend).store
        let held = try Self.committed(store, name: FileName("purge.csv"), sha: "h", disposition: .held)
        let other = try Self.committed(store, name: FileName("other.csv"), sha: "o", disposition: .held)
        #expect(try store.pendingDecision(workName: FileName("purge.csv")) == nil)
        #expect(try store.pendingRelease(sha256: "h") == nil)

        let alice = HeldDecision(byUID: 1001, byName: "alice", at: Self.time)
        let bob = HeldDecision(byUID: 1002, byName: nil, at: Timestamp(millisecondsSinceEpoch: 5))
        let released = try store.transaction { try store.recordDecision(.release, on: held.id, alice) }
        #expect(released == HeldImports.Pending(importID: held.id, action: .release, decision: alice))
        let again = try store.transaction { try store.recordDecision(.reject, on: held.id, bob) }
        #expect(again == released, "the first decision stands")
        #expect(try store.pendingDecision(workName: FileName("purge.csv")) == released)
        #expect(try store.pendingRelease(sha256: "h") == released)
        #expect(try store.decisions.pendingRelease(sha256: "h") == released)

        let rejected = try store.transaction { try store.recordDecision(.reject, on: other.id, bob) }
        #expect(rejected.decision == bob)
        #expect(try store.pendingRelease(sha256: "o") == nil, "a rejection is no release")
        try store.transaction { try store.clearDecision(rejected) }
        #expect(try store.pendingDecision(workName: FileName("other.csv")) == nil)

        let release = try Self.committed(store, name: FileName("purge.csv"), sha: "h", disposition: .done)
        try store.transaction { try store.completeRelease(released, as: release.id, path: "done/purge.csv") }
        #expect(try store.pendingRelease(sha256: "h") == nil)
        #expect(try store.pendingDecision(workName: FileName("purge.csv")) == nil)
        let after = try #require(try store.record(id: held.id))
        #expect(after.path == "done/purge.csv")
        #expect(after.disposition == .held)
    }

    @Test(arguments: Backend.allCases)
    func workNamesKeepBytesThatAreNotUTF8(backend: Backend) throws {
        let store = try Fresh(backend).store
        let name = FileName(bytes: [0x61, 0xFF, 0x0A, 0x2E, 0x63, 0x73, 0x76])
        _ = try Self.committed(store, name: name, sha: "n", disposition: .done)
        #expect(try store.unpublished().first?.workName == name)
    }

    /// Idle work on a store with nothing to do says so, on both.
    @Test(arguments: Backend.allCases)
    func idleWorkOnAnEmptyStoreFindsNothing(backend: Backend) throws {
        let store = try Fresh(backend).store
        #expect(try !store.pruneStep(finishedBefore: Self.time, chunks: 16, now: Self.time))
        #expect(try !store.indexStep(chunks: 16, now: Self.time))
    }

    /// A store whose folder another daemon took over after its lease ran out (PostgreSQL only:
    /// the SQLite file has one daemon): it may neither rename nor mark its committed import
    /// published, and says so as a lost lease; before the takeover both go through.
    @Test func aStoreWhoseFolderWasTakenOverRecordsNoPublishing() throws {
        let url = try PostgresServer.shared.get().database()
        let daemon = "host-a /var/lib/userimportd/work"
        let store = try PostgresPipelineStore(
            url: url, daemon: daemon, folders: "/var/lib/userimportd", takeoverAfterMilliseconds: 60_000)
        let first = try Self.committed(store, name: FileName("a.csv"), sha: "a", disposition: .done)
        let second = try Self.committed(store, name: FileName("b.csv"), sha: "b", disposition: .done)
        try store.fence()
        try store.renamePublished(id: first.id, path: "done/a.1.csv", attempt: 1)
        try store.markPublished(id: first.id, path: "done/a.1.csv")

        // What another daemon's takeover leaves: the lease its own, with the next token.
        let other = try PostgresConnection(url: url)
        try other.query(
            "UPDATE file_claims SET holder = 'host-b /var/lib/userimportd/work', token = token + 1 WHERE file_key = $1",
            [PostgresWorkLeases.key(daemon)])
        #expect(throws: PostgresWorkLeases.LostClaim.self) { try store.fence() }
        #expect(throws: PostgresWorkLeases.LostClaim.self) {
            try store.renamePublished(id: second.id, path: "done/b.1.csv", attempt: 1)
        }
        #expect(throws: PostgresWorkLeases.LostClaim.self) {
            try store.markPublished(id: second.id, path: "done/b.csv")
        }
        let rows = try other.query("SELECT id, published, path, publish_attempt FROM imports ORDER BY id")
        #expect(
            rows == [["\(first.id)", "t", "done/a.1.csv", "1"], ["\(second.id)", "f", "done/b.csv", "0"]])
    }
}
