import Foundation
import Testing
import UserImportCore

@testable import UserImportService

/// The progress file: written when there is news, never again with what it says already. Each
/// write is a new file renamed over the old one, so its inode tells a write from none (the tests
/// keep each file they saw open, so that its inode number cannot come back).
final class StatusBoardTests {
    let state: TestStateDirectory
    let progress: ProgressFile
    let board: StatusBoard
    private var seen: [Int32] = []

    init() throws {
        state = try TestStateDirectory()
        progress = ProgressFile(databasePath: state.paths.database)
        // An hour between two writes of news that is not the end: no runner is that slow.
        board = StatusBoard(progressFile: progress, progressInterval: 3_600_000_000_000)
    }

    deinit { seen.forEach { close($0) } }

    /// The progress file's inode, nil when there is none.
    func inode() -> UInt64? {
        let fd = open(progress.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        seen.append(fd)
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    @Test func aSmallFileReadInOneGoIsWrittenOnceThoughItsEndIsToldAgain() throws {
        board.importing("small.csv", bytesRead: 70, size: 70)
        let first = try #require(inode())
        #expect(progress.read()?.percent == 100)
        for _ in 0..<3 { board.importing("small.csv", bytesRead: 70, size: 70) }
        #expect(inode() == first, "not written again")
        board.finished(Self.record("small.csv"))
        #expect(inode() == nil)
    }

    @Test func theEndIsWrittenAtOnceAndOnce() throws {
        board.importing("large.csv", bytesRead: 0, size: 1_000)
        let start = try #require(inode())
        #expect(progress.read()?.bytesRead == 0)
        // Within the interval: news, but not the end, waits.
        board.importing("large.csv", bytesRead: 500, size: 1_000)
        #expect(inode() == start)
        board.importing("large.csv", bytesRead: 1_000, size: 1_000)
        let end = try #require(inode())
        #expect(end != start)
        #expect(progress.read()?.bytesRead == 1_000)
        board.importing("large.csv", bytesRead: 1_000, size: 1_000)
        #expect(inode() == end)
    }

    /// Two files of one name, one after the other with nothing between: the second's size is said.
    @Test func anotherFileOfTheSameNameIsWrittenAtOnce() throws {
        board.importing("users.csv", bytesRead: 10, size: 10)
        let one = try #require(inode())
        board.importing("users.csv", bytesRead: 10, size: 20)
        #expect(inode() != one)
        #expect(progress.read()?.size == 20)
        board.importing("other.csv", bytesRead: 20, size: 20)
        #expect(progress.read()?.file == "other.csv")
    }

    /// A write that failed (here a folder in the way of its temporary file) is tried again.
    @Test func aWriteThatFailedIsTriedAgain() throws {
        try FileManager.default.createDirectory(
            atPath: progress.path + ".tmp", withIntermediateDirectories: false)
        board.importing("small.csv", bytesRead: 70, size: 70)
        #expect(inode() == nil)
        try FileManager.default.removeItem(atPath: progress.path + ".tmp")
        board.importing("small.csv", bytesRead: 70, size: 70)
        #expect(inode() != nil)
        #expect(progress.read()?.file == "small.csv")
    }

    static func record(_ name: String) -> ImportRecord {
        let time = Timestamp(millisecondsSinceEpoch: 0)
        return ImportRecord(
            id: 1, fileName: name, path: nil, sha256: String(repeating: "0", count: 64), size: 70,
            ownerUID: nil,
            receivedAt: time, startedAt: time, finishedAt: time, disposition: .done, duplicateOf: nil,
            error: nil,
            summary: ImportSummary())
    }
}
