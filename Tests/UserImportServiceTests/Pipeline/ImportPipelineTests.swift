import Foundation
import Testing
import UserImportCore
import UserImportService
import UserImportStore

let seedSample = """
    Email ID, First Name, Last Name, Alternate ID, Work Phone, Title, Department, User Status
    john.doe@example.com, John, Doe, , 800-555-1212, President, Executive, New
    jane.doe@example.com, Jane, Doe, , 800-555-5555, VicePresident, Executive, New

    """

struct ImportPipelineTests {
    @Test func theSeedSampleCreatesTwoInvitedUsersAndQueuesTwoInvitations() throws {
        let state = try TestStateDirectory()
        try state.drop("sample.csv", seedSample)
        let records = try state.pipeline().processInbox()
        #expect(records.map(\.disposition) == [.done])
        #expect(
            try state.users().mapValues(\.state) == [
                "john.doe@example.com": .invited, "jane.doe@example.com": .invited,
            ])
        #expect(
            try state.queuedEmails(.pending, kind: .invitation).map(\.email) == [
                "jane.doe@example.com", "john.doe@example.com",
            ])
        #expect(try state.queuedEmails().count == 2)
        #expect(try state.list("done") == ["sample.csv", "sample.csv.report.txt"])
        #expect(try state.list("inbox").isEmpty)
        #expect(try state.list("work").isEmpty)
    }

    @Test func theSameBytesUnderAnotherNameAreADuplicateAndApplyNothing() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("sample.csv", seedSample)
        try pipeline.processInbox()
        try state.drop("monday.csv", seedSample)
        let records = try pipeline.processInbox()
        #expect(records.map(\.disposition) == [.duplicate])
        #expect(records.first?.duplicateOf == 1)
        #expect(try state.queuedEmails().map(\.importID) == [1, 1])
        #expect(try state.storedRowCount() == 2)
        #expect(try state.read("done/monday.csv.report.txt").contains("duplicate of import 1"))
    }

    @Test func aNameAlreadyTakenInDoneGetsAUniqueSuffix() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("users.csv", seedSample)
        try pipeline.processInbox()
        try state.drop("users.csv", seedSample.replacingOccurrences(of: "New", with: "Activate"))
        let records = try pipeline.processInbox()
        #expect(records.first?.path == "done/users.2.csv")
        #expect(
            try state.list("done") == [
                "users.2.csv", "users.2.csv.report.txt", "users.csv", "users.csv.report.txt",
            ])
        #expect(try state.read("done/users.csv").contains("New"), "the first file was not overwritten")
        #expect(try state.users().values.allSatisfy { $0.state == .active })
    }

    @Test func aTakenReportNameAlsoCountsAsTaken() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        // A file literally named like another file's report, imported first.
        try state.drop("x.csv.report.txt", seedSample)
        try pipeline.processInbox()
        try state.drop("x.csv", seedSample + "ann@example.com, Ann, Lee, , , , , New\n")
        let records = try pipeline.processInbox()
        #expect(records.first?.path == "done/x.2.csv")
        #expect(try state.read("done/x.csv.report.txt") == seedSample, "the earlier file was not replaced")
    }

    @Test func aWrongExtensionFailsWithAReport() throws {
        let state = try TestStateDirectory()
        try state.drop("users.xlsx", seedSample)
        let records = try state.pipeline().processInbox()
        #expect(records.map(\.disposition) == [.failed])
        #expect(try state.list("failed") == ["users.xlsx", "users.xlsx.report.txt"])
        #expect(try state.read("failed/users.xlsx.report.txt").contains("not a .csv or .txt file"))
        #expect(try state.users().isEmpty)
    }

    @Test(arguments: [
        ".hidden.csv", "users.csv~", "users.csv.tmp", "users.csv.part", "users.CSV.PARTIAL",
        "users.csv.filepart",
        "users.csv.swp", "users.csv.crdownload",
    ])
    func inProgressUploadsAreLeftAlone(_ name: String) throws {
        let state = try TestStateDirectory()
        try state.drop(name, seedSample)
        #expect(try state.pipeline().processInbox().isEmpty)
        #expect(try state.list("inbox") == [name])
    }

    @Test func aFileWithTwoHardLinksWaitsUntilItHasOne() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        let outside = state.root + "/elsewhere.csv"
        try seedSample.write(toFile: outside, atomically: false, encoding: .utf8)
        #expect(link(outside, state.paths.inbox + "/linked.csv") == 0)
        #expect(try pipeline.processInbox().isEmpty)
        #expect(try state.list("inbox") == ["linked.csv"])
        #expect(unlink(outside) == 0)
        #expect(try pipeline.processInbox().map(\.disposition) == [.done])
    }

    @Test func aSymlinkIsNeverFollowed() throws {
        let state = try TestStateDirectory()
        let secret = state.root + "/secret.csv"
        try (seedSample + "secret.person@example.com, Secret, Person, , , , , New\n").write(
            toFile: secret, atomically: false, encoding: .utf8)
        #expect(symlink(secret, state.paths.inbox + "/link.csv") == 0)
        let records = try state.pipeline().processInbox()
        #expect(records.map(\.disposition) == [.failed])
        #expect(try state.users().isEmpty, "nothing of the target was read")
        #expect(try state.storedRowCount() == 0)
        #expect(try state.read("failed/link.csv.report.txt").contains("symbolic link"))
        #expect(FileManager.default.fileExists(atPath: secret), "the target is untouched")
    }

    @Test func aFIFOIsNeverOpenedAndDoesNotHang() throws {
        let state = try TestStateDirectory()
        #expect(mkfifo(state.paths.inbox + "/pipe.csv", 0o600) == 0)
        let records = try state.pipeline().processInbox()
        #expect(records.map(\.disposition) == [.failed])
        #expect(try state.read("failed/pipe.csv.report.txt").contains("FIFO"))
    }

    @Test func aDirectoryIsMovedAsideWithAReport() throws {
        let state = try TestStateDirectory()
        #expect(mkdir(state.paths.inbox + "/folder.csv", 0o755) == 0)
        let records = try state.pipeline().processInbox()
        #expect(records.map(\.disposition) == [.failed])
        #expect(try state.list("failed") == ["folder.csv", "folder.csv.report.txt"])
    }

    @Test func filesAreImportedOldestFirst() throws {
        let state = try TestStateDirectory()
        try state.drop("b-newer.csv", seedSample.replacingOccurrences(of: "New", with: "Activate"))
        try state.drop("a-older.csv", seedSample)
        var times = [timespec(tv_sec: 1_000, tv_nsec: 0), timespec(tv_sec: 1_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, state.paths.inbox + "/a-older.csv", &times, 0) == 0)
        let records = try state.pipeline().processInbox()
        #expect(records.map(\.fileName) == ["a-older.csv", "b-newer.csv"])
        // Created by the older file, then activated by the newer one: order mattered.
        #expect(try state.users().values.allSatisfy { $0.state == .active })
    }

    @Test func hostileNamesAreHandledAsBytes() throws {
        let state = try TestStateDirectory()
        let names: [[UInt8]] = [
            Array("-rf.csv".utf8), Array("two\nlines.csv".utf8),
            [0x62, 0x61, 0x64, 0xFF, 0x2E, 0x63, 0x73, 0x76],
            Array("spaces and ünïcödé.csv".utf8),
        ]
        for (index, name) in names.enumerated() {
            let path =
                Array(state.paths.inbox.utf8CString.dropLast()) + [0x2F] + name.map { CChar(bitPattern: $0) }
                + [0]
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            #expect(fd >= 0)
            let text = Array((seedSample + "u\(index)@example.com, U, V, , , , , New\n").utf8)
            #expect(write(fd, text, text.count) == text.count)
            close(fd)
        }
        let records = try state.pipeline().processInbox()
        #expect(records.map(\.disposition) == [.done, .done, .done, .done])
        #expect(try state.list("inbox").isEmpty)
        #expect(try state.list("done").count == 8)
        #expect(records.contains { $0.fileName == "bad\\xFF.csv" })
    }
}
