import Foundation
import Glibc
import Testing
import UserImportCore

@testable import UserImportService

/// An import's scratch file has no name, reads back what was written, lets its bytes go, and a
/// folder where none can be made says so as `SpillError.unavailable` (the import then reads in
/// file order).
struct TemporarySpillFileTests {
    @Test func writtenBytesReadBackFromAFileWithoutAName() throws {
        let folder = NSTemporaryDirectory() + "spill-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = try TemporarySpillFile(in: folder)
        #expect(try file.append(Array("hello, ".utf8)) == 0)
        #expect(try file.append(Array(repeating: 0x41, count: 100_000)) == 7)
        var buffer = [UInt8](repeating: 0, count: 10)
        let count = try buffer.withUnsafeMutableBytes { try file.read(at: 3, into: $0) }
        #expect(count == 10 && Array(buffer) == Array("lo, AAAAAA".utf8))
        let tail = try buffer.withUnsafeMutableBytes { try file.read(at: 100_000, into: $0) }
        #expect(tail == 7)
        // Unnamed from the start (O_TMPFILE, "#inode"), or, on a file system without unnamed files,
        // named and unlinked at once: the folder is empty either way.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(file.fd)")
        #expect(
            (link.hasPrefix(folder + "/#") || link.hasPrefix(folder + "/.userimport-scratch-"))
                && link.hasSuffix("(deleted)"), "\(link)")
        try file.discard()
        #expect(try buffer.withUnsafeMutableBytes { try file.read(at: 0, into: $0) } == 0)
        #expect(try file.append([1, 2]) == 0)
    }

    @Test func aFolderWithoutRoomIsUnavailable() throws {
        #expect {
            _ = try TemporarySpillFile(in: "/nonexistent/userimport-\(getpid())")
        } throws: { error in
            guard case SpillError.unavailable(let why) = error else { return false }
            return why.contains("/nonexistent/userimport-")
        }
    }
}
