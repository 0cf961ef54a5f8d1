import Foundation
import Testing

/// Issue #8: 50,000 files dropped while the daemon is stopped (SIGSTOP), far past inotify's queue
/// of 16,384 events; after SIGCONT the overflow rescan imports every one. Full soak only
/// (`USERIMPORT_SOAK=full`); DaemonTests keeps a 20,000-file version in the default run.
@Suite(.serialized)
struct OverflowSoakTests {
    @Test(.enabled(if: SoakSettings.current.full, "USERIMPORT_SOAK=full"))
    func fiftyThousandFilesDroppedWhileStoppedAreAllImported() throws {
        let count = 50_000
        let state = try TestStateDirectory()
        let daemon = try RunningDaemon(state: state, config: "[Mail]\nTransport=none\n")
        kill(daemon.pid, SIGSTOP)
        let began = Date()
        for index in 0..<count {
            try state.drop(
                "f\(index).csv",
                "Email ID, First Name, Last Name, User Status\nu\(index)@example.com, A, B, New\n")
        }
        let dropped = Date()
        kill(daemon.pid, SIGCONT)
        try waitFor("all \(count) files", timeout: 1_800) {
            try state.count("SELECT count(*) FROM imports WHERE published = 1") == Int64(count)
        }
        let imported = Date()
        #expect(try state.list("inbox").isEmpty)
        #expect(try state.list("work").isEmpty)
        #expect(try state.list("failed").isEmpty)
        #expect(try state.list("done").count == 2 * count)
        #expect(try state.count("SELECT count(*) FROM imports") == Int64(count))
        #expect(try state.count("SELECT count(*) FROM imports WHERE disposition = 'done'") == Int64(count))
        #expect(try state.count("SELECT count(*) FROM users") == Int64(count))
        #expect(try state.storedRowCount() == count)
        #expect(try state.queuedEmails().count == count)
        #expect(try state.database().integrityCheck() == ["ok"])
        #expect(daemon.log.contains("inotify queue overflowed"))
        #expect(try daemon.stop() == 0)
        print(
            String(
                format:
                    "overflow soak: %d files dropped in %.1f s while stopped, imported in %.1f s after SIGCONT",
                count, dropped.timeIntervalSince(began), imported.timeIntervalSince(dropped)))
    }
}
