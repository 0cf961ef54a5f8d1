import Foundation
import Glibc
import UserImportCore

/// The file in hand and how far it has been read, for `userimportctl status --json` and the
/// Cockpit page: a small JSON file beside the database (`userimportd.sqlite.progress`), replaced
/// by a rename at most five times a second and removed when the daemon is idle. It is never
/// fsynced and costs no database write: after a crash a stale one is ignored, because it is only
/// read while the daemon holds its lock.
public struct ProgressFile: Sendable {
    public let path: String

    public init(databasePath: String) {
        path = databasePath + ".progress"
    }

    /// What the file says.
    public struct Progress: Sendable, Equatable, Codable {
        public var file: String
        public var bytesRead: Int
        public var size: Int
        public var startedAt: String

        public var percent: Int { size > 0 ? min(100, bytesRead * 100 / size) : 100 }

        enum CodingKeys: String, CodingKey {
            case file
            case bytesRead = "bytes_read"
            case size
            case startedAt = "started_at"
        }
    }

    public static let minimumIntervalNanoseconds: UInt64 = 200_000_000

    /// Whether the file now says `progress`.
    @discardableResult
    func write(_ progress: Progress) -> Bool {
        guard let data = try? JSONEncoder().encode(progress) else { return false }
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return false }
        let complete = writeAll(fd, Array(data))
        close(fd)
        guard complete, rename(temp, path) == 0 else {
            unlink(temp)
            return false
        }
        return true
    }

    public func remove() {
        unlink(path)
    }

    /// The progress the running daemon last published, or nil (idle, or not running).
    public func read() -> Progress? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Progress.self, from: data)
    }
}
