import Foundation
import Testing
import UserImportPostgres

/// Claims on a shared inbox's files, between daemons that are separate connections here.
struct PostgresClaimsTests {
    func migratedURL() throws -> String {
        let url = try PostgresServer.shared.get().database()
        try PostgresSchema.migrate(try PostgresConnection(url: url))
        return url
    }

    func daemon(_ name: String, _ url: String, leaseMilliseconds: Int64 = 60_000) throws -> PostgresClaims {
        PostgresClaims(
            connection: try PostgresConnection(url: url), holder: name, leaseMilliseconds: leaseMilliseconds)
    }

    /// Polls `condition` until it holds or 20 s pass.
    func eventually(_ condition: () throws -> Bool) throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    @Test func oneDaemonGetsAFileWhileItsLeaseRuns() throws {
        let url = try migratedURL()
        let a = try daemon("host-a", url)
        let b = try daemon("host-b", url)
        let claim = try #require(try a.claim("inbox/people.csv"))
        #expect(try b.claim("inbox/people.csv") == nil)
        #expect(try a.renew(claim))
        #expect(try b.claim("inbox/people.csv") == nil)
        // Another file is another claim.
        #expect(try b.claim("inbox/other.csv") != nil)
    }

    @Test func aDeadDaemonsFileIsTakenOverAndItsLateCommitFails() throws {
        let url = try migratedURL()
        let dying = try daemon("host-a", url, leaseMilliseconds: 200)
        let survivorConnection = try PostgresConnection(url: url)
        let survivor = PostgresClaims(
            connection: survivorConnection, holder: "host-b", leaseMilliseconds: 60_000)
        let old = try #require(try dying.claim("inbox/people.csv"))
        // host-a stops renewing; once its lease is over, host-b gets the file with a newer token.
        var taken: PostgresClaims.Claim?
        #expect(
            try eventually {
                taken = try survivor.claim("inbox/people.csv")
                return taken != nil
            })
        let new = try #require(taken)
        #expect(new.token > old.token)
        #expect(try !dying.renew(old))
        #expect(try survivor.abandoned().isEmpty)

        // host-a wakes up and tries to commit its import: the claim is not its own any more, and
        // its transaction, history row included, rolls back.
        let late = try PostgresConnection(url: url)
        let lateClaims = PostgresClaims(connection: late, holder: "host-a", leaseMilliseconds: 200)
        #expect(throws: PostgresClaims.LostClaim.self) {
            try late.transaction {
                try late.query(
                    """
                    INSERT INTO imports (file_name, work_name, sha256, size, received_at, started_at, finished_at,
                                         disposition)
                    VALUES ('people.csv', '\\x00', '', 0, 0, 0, 0, 'done')
                    """)
                try lateClaims.finish(old, importID: 1)
            }
        }
        #expect(try late.scalar("SELECT count(*) FROM imports") == "0")

        // host-b's import commits, and the file is finished for everyone.
        let importID: Int64 = try survivorConnection.transaction {
            let id =
                try survivorConnection.scalar(
                    """
                    INSERT INTO imports (file_name, work_name, sha256, size, received_at, started_at, finished_at,
                                         disposition)
                    VALUES ('people.csv', '\\x00', '', 0, 0, 0, 0, 'done') RETURNING id
                    """) ?? ""
            try survivor.finish(new, importID: Int64(id) ?? -1)
            return Int64(id) ?? -1
        }
        #expect(try survivor.finishedImport("inbox/people.csv") == importID)
        #expect(try dying.claim("inbox/people.csv") == nil)
        #expect(try survivor.claim("inbox/people.csv") == nil)
    }

    @Test func anAbandonedClaimIsListedForTheOthers() throws {
        let url = try migratedURL()
        let dying = try daemon("host-a", url, leaseMilliseconds: 100)
        let watcher = try daemon("host-b", url)
        _ = try #require(try dying.claim("inbox/a.csv"))
        #expect(try eventually { try watcher.abandoned().map(\.fileKey) == ["inbox/a.csv"] })
        #expect(try watcher.abandoned().map(\.holder) == ["host-a"])
    }

    @Test func aReleasedClaimCanBeTakenAtOnce() throws {
        let url = try migratedURL()
        let a = try daemon("host-a", url)
        let b = try daemon("host-b", url)
        let claim = try #require(try a.claim("inbox/people.csv"))
        try a.release(claim)
        #expect(try b.claim("inbox/people.csv") != nil)
    }

    /// Many daemons asking at the same moment: exactly one gets the file.
    @Test func daemonsAskingAtOnceGiveTheFileToOne() throws {
        let url = try migratedURL()
        let winners = Winners()
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            do {
                let claims = PostgresClaims(
                    connection: try PostgresConnection(url: url), holder: "host-\(index)",
                    leaseMilliseconds: 60_000)
                if try claims.claim("inbox/people.csv") != nil { winners.add("host-\(index)") }
            } catch {
                winners.add("error: \(error)")
            }
        }
        #expect(winners.all.count == 1)
        #expect(winners.all.allSatisfy { $0.hasPrefix("host-") })
    }

    final class Winners: @unchecked Sendable {
        private let lock = NSLock()
        private var names: [String] = []

        func add(_ name: String) {
            lock.lock()
            names.append(name)
            lock.unlock()
        }

        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return names
        }
    }
}
