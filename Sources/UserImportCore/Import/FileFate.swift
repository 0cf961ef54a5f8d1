/// What becomes of a file (the README's "What happens to a file"), decided in this one place for
/// the import and its dry run alike: the checks before a byte is read, the fate once it has been
/// read, and the folder it is published into.
public struct FileFate: Sendable, Equatable {
    public var disposition: Disposition
    public var error: String?
    public var duplicateOf: Int64?
    /// The rows' changes stay (done) or are discarded (failed, duplicate).
    public var appliesChanges: Bool
    /// The report lists each row's outcome although nothing was applied (strict mode).
    public var listsRowsNotApplied: Bool
    /// The counts and rows to report: none when the file failed before its rows meant anything,
    /// or was a duplicate.
    public var summary: ImportSummary

    /// File-level checks made before a byte is read.
    /// - Parameter kind: what the entry is when it is not a regular file ("FIFO (named pipe)", …).
    public static func precheck(name: FileName, notRegular kind: String?, size: Int, maxFileSize: Int)
        -> FileError?
    {
        if let kind {
            // Never opened: a FIFO would block, a device could act, a symlink could point anywhere.
            return .notRegularFile(kind: kind)
        }
        if name.kind == .wrongExtension { return .wrongExtension(name: name.display) }
        if size > maxFileSize { return .tooLarge(size: size, limit: maxFileSize) }
        return nil
    }

    /// The fate of a file that failed before it was read.
    public static func failed(before problem: FileError) -> FileFate {
        FileFate(
            disposition: .failed, error: problem.message, duplicateOf: nil, appliesChanges: false,
            listsRowsNotApplied: false, summary: ImportSummary())
    }

    /// - Parameter earlierImport: the earlier `done` import of the same bytes, looked up only for a
    ///   file that was read without a file-level error.
    public static func decide(_ read: ImportSummary, earlierImport: Int64?) -> FileFate {
        var summary = read
        if let error = read.error {
            let strict: Bool
            if case .strictModeRejected = error { strict = true } else { strict = false }
            if !strict { summary.counts = OutcomeCounts() }
            return FileFate(
                disposition: .failed, error: error.message, duplicateOf: nil, appliesChanges: false,
                listsRowsNotApplied: strict, summary: summary)
        }
        if let earlierImport {
            summary.counts = OutcomeCounts()
            return FileFate(
                disposition: .duplicate, error: nil, duplicateOf: earlierImport, appliesChanges: false,
                listsRowsNotApplied: false, summary: summary)
        }
        return FileFate(
            disposition: .done, error: nil, duplicateOf: nil, appliesChanges: true,
            listsRowsNotApplied: false,
            summary: summary)
    }

    /// The encoding to read the file again with: the configured fallback, when the file turned out
    /// not to be UTF-8 (and had no byte-order mark saying otherwise).
    public static func retryEncoding(after read: ImportSummary, fallback: InputEncoding?) -> InputEncoding? {
        guard case .invalidUTF8 = read.error, read.encoding == .utf8 else { return nil }
        return fallback
    }

    /// Whether the rows listed in a report are the ones to keep.
    public var keepsRows: Bool { appliesChanges || listsRowsNotApplied }

    /// The history record completed with this fate.
    public func applied(to record: ImportRecord) -> ImportRecord {
        var result = record
        result.disposition = disposition
        result.error = error
        result.duplicateOf = duplicateOf
        result.summary = summary
        return result
    }
}

/// Where a file whose bytes were imported before goes.
public enum DuplicatePolicy: String, Sendable, Equatable, CaseIterable {
    /// To done/ with a report "duplicate of import N" (the default: it was, after all, imported).
    case done
    /// To failed/, for sites that want a dropped duplicate to be noticed.
    case failed
}

/// The folder a file is published into, with its report beside it.
public enum Destination: String, Sendable, Equatable, CaseIterable {
    case done, failed

    public init(_ disposition: Disposition, duplicates policy: DuplicatePolicy) {
        switch (disposition, policy) {
        case (.failed, _), (.duplicate, .failed): self = .failed
        case (.done, _), (.duplicate, .done): self = .done
        }
    }

    /// The destination a recorded path names: the policy may have changed since the import
    /// chose it, so a committed import keeps the folder its path says.
    public init(recordedPath: String) {
        self = recordedPath.hasPrefix(Destination.failed.folderPrefix) ? .failed : .done
    }

    /// The path the history records for a file published under `name`, relative to the state directory.
    public func recordedPath(of name: FileName) -> String {
        folderPrefix + name.display
    }

    var folderPrefix: String { rawValue + "/" }
}
