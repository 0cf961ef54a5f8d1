import Synchronization

/// Scratch space for an import too large to apply as it is read: sorted runs of rows, then of
/// their results, written once and read back (see `SortedImport`).
///
/// A port: the daemon and the admin tool hand the importer an unnamed file that vanishes with the
/// process (`TemporarySpillFile`), tests an array. Appends come from one thread at a time; reads
/// may come from another while a second file is appended to, never while this one is.
public protocol SpillFile: AnyObject, Sendable {
    /// Writes `bytes` after everything appended before; returns the offset they start at.
    func append(_ bytes: [UInt8]) throws -> Int
    /// Fills the start of `buffer` from `offset`; returns the byte count, less only at the end.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Lets the bytes go once every run is read: a file of gigabytes would otherwise stay in the
    /// page cache, or be written out to disk, until the import ends.
    func discard() throws
}

/// A spill file in memory, for tests and for the core's own use without a file system.
public final class MemorySpillFile: SpillFile {
    private let bytes = Mutex<[UInt8]>([])
    private let appended = Mutex(0)

    public init() {}

    public var count: Int { bytes.withLock { $0.count } }
    /// Every byte ever appended, discarded ones too: how much a run spilled.
    public var appendedBytes: Int { appended.withLock { $0 } }

    public func append(_ more: [UInt8]) throws -> Int {
        appended.withLock { $0 += more.count }
        return bytes.withLock { bytes in
            defer { bytes.append(contentsOf: more) }
            return bytes.count
        }
    }

    public func discard() throws {
        bytes.withLock { $0 = [] }
    }

    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        bytes.withLock { bytes in
            let count = max(0, min(buffer.count, bytes.count - offset))
            guard count > 0 else { return 0 }
            bytes.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count)]))
            }
            return count
        }
    }
}
