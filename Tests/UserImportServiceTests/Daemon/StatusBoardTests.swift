import Foundation
import Testing
import UserImportCore

@testable import UserImportService

/// The progress file: written when there is news, never again with what it says already. Each
/// write is a new file renamed over the old one, so its inode tells a write from none.
struct StatusBoardTests {
    let state: TestStateDirectory
    let progress: ProgressFile
    let board: StatusBoard

    init() throws {
        state = try TestStateDirectory()
        progress = ProgressFile(databasePath: state.paths.database)
        board = StatusBoard(progressFile: progress)
    }

    /// The progress file's inode, nil when there is none.
    func inode() -> UInt64? {
        var info = stat()
        return stat(progress.path, &info) == 0 ? UInt64(info.st_ino) : nil
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

    @Test func anotherFileIsWrittenAtOnce() throws {
        board.importing("one.csv", bytesRead: 10, size: 10)
        let one = try #require(inode())
        board.importing("two.csv", bytesRead: 10, size: 10)
        #expect(inode() != one)
        #expect(progress.read()?.file == "two.csv")
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
