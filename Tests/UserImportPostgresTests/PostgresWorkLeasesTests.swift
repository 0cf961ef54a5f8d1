import Foundation
import Testing
import UserImportPostgres

/// Work folders' leases between daemons that are separate connections (and renewing threads) here.
struct PostgresWorkLeasesTests {
    static let folders = "/s/done\n/s/failed\n/s/held"

    func migratedURL() throws -> String {
        let url = try PostgresServer.shared.get().database()
        try PostgresSchema.migrate(try PostgresConnection(url: url))
        return url
    }

    func held(_ result: Result<PostgresWorkLeases.Claim, PostgresWorkLeases.Taken>) -> PostgresWorkLeases
        .Claim?
    {
        if case .success(let claim) = result { return claim }
        return nil
    }

    /// A lease of 300 ms outlives three of them while its daemon runs: the thread renews it.
    @Test func aRunningDaemonKeepsItsFolder() throws {
        let url = try migratedURL()
        let connection = try PostgresConnection(url: url)
        let a = PostgresWorkLeases(
            url: url, holder: "host-a:/w/a", folders: Self.folders, leaseMilliseconds: 300)
        let b = PostgresWorkLeases(
            url: url, holder: "host-b:/w/b", folders: Self.folders, leaseMilliseconds: 300)
        let claim = try #require(held(try a.hold("host-a:/w/a", on: connection)))
        let until = ContinuousClock.now + .milliseconds(1_200)
        var looks = 0
        while ContinuousClock.now < until {
            guard case .failure(let taken) = try b.hold("host-a:/w/a", on: connection) else {
                Issue.record("the folder of a running daemon was taken over")
                return
            }
            #expect(taken.holder == "host-a:/w/a")
            #expect(try b.abandoned(on: connection).isEmpty)
            looks += 1
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(looks > 5)
        // A folder with no lease (its daemon runs without TakeoverAfter) is never made one by another.
        guard case .failure = try b.hold("host-z:/w/z", on: connection) else {
            Issue.record("a daemon made a lease for another's folder")
            return
        }
        #expect(!a.wasLost(claim))
        // Its own daemon, started again, takes it back at once.
        let again = PostgresWorkLeases(
            url: url, holder: "host-a:/w/a", folders: Self.folders, leaseMilliseconds: 300)
        #expect(held(try again.hold("host-a:/w/a", on: connection)) != nil)
    }

    /// A daemon that stops renewing (gone) is listed once its lease ran out and taken over; its
    /// import, should it still try to commit, rolls back.
    @Test func aDeadDaemonsFolderIsTakenOverAndItsLateCommitRollsBack() throws {
        let url = try migratedURL()
        let late = try PostgresConnection(url: url)
        // Its leases go with it when the scope ends: nothing renews them after.
        let claim: PostgresWorkLeases.Claim
        do {
            let a = PostgresWorkLeases(
                url: url, holder: "host-a:/w/a", folders: Self.folders, leaseMilliseconds: 200)
            claim = try #require(held(try a.hold("host-a:/w/a", on: late)))
        }
        let b = PostgresWorkLeases(
            url: url, holder: "host-b:/w/b", folders: Self.folders, leaseMilliseconds: 200)
        let connection = try PostgresConnection(url: url)
        let deadline = ContinuousClock.now + .seconds(20)
        var taken: PostgresWorkLeases.Claim?
        while taken == nil, ContinuousClock.now < deadline {
            let listed = try b.abandoned(on: connection)
            if listed.map(\.daemon) == ["host-a:/w/a"] {
                #expect(listed.map(\.publishesHere) == [true])
                // A daemon publishing elsewhere is told so, and leaves the folder to others.
                let elsewhere = PostgresWorkLeases(
                    url: url, holder: "host-c:/w/c", folders: "/other/done\n/other/failed\n/other/held",
                    leaseMilliseconds: 200)
                #expect(try elsewhere.abandoned(on: connection).map(\.publishesHere) == [false])
                taken = held(try b.hold("host-a:/w/a", on: connection))
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let takeover = try #require(taken)
        #expect(takeover.token > claim.token)

        // The dead daemon's process, paused rather than dead, tries to commit an import.
        let resumed = PostgresWorkLeases(
            url: url, holder: "host-a:/w/a", folders: Self.folders, leaseMilliseconds: 200)
        try late.execute("CREATE TABLE IF NOT EXISTS late_work (x int)")
        #expect(throws: PostgresWorkLeases.LostClaim.self) {
            try late.transaction {
                try late.execute("INSERT INTO late_work VALUES (1)")
                try resumed.confirm(claim, on: late)
            }
        }
        #expect(try late.scalar("SELECT count(*) FROM late_work") == "0")
        // While the taker holds it, the folder's own daemon waits; given back, it takes it.
        guard case .failure = try resumed.hold("host-a:/w/a", on: late) else {
            Issue.record("the folder's own daemon took it while another finished it")
            return
        }
        try b.release(takeover, on: connection)
        #expect(held(try resumed.hold("host-a:/w/a", on: late)) != nil)
    }
}
