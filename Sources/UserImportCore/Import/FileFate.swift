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
        switch name.kind {
        // A request file is read by the daemon as a decision, never as rows.
        case .wrongExtension, .request: return .wrongExtension(name: name.display)
        case .importable, .inProgress: break
        }
        if size > maxFileSize { return .tooLarge(size: size, limit: maxFileSize) }
        return nil
    }

    /// The fate of a file that failed before it was read.
    public static func failed(before problem: FileError) -> FileFate {
        FileFate(
            disposition: .failed, error: problem.message, duplicateOf: nil, appliesChanges: false,
            listsRowsNotApplied: false, summary: ImportSummary())
    }

    /// The fate of a file whose bytes an earlier `done` import had: known from its hash before a
    /// row is read, and reported with what the earlier import read (headers, encoding, rows), as
    /// the same bytes read the same way.
    public static func duplicate(of earlierImport: Int64, read earlier: ImportSummary) -> FileFate {
        var summary = earlier
        summary.counts = OutcomeCounts()
        summary.error = nil
        return FileFate(
            disposition: .duplicate, error: nil, duplicateOf: earlierImport, appliesChanges: false,
            listsRowsNotApplied: false, summary: summary)
    }

    /// The fate of a file read (it was not a duplicate).
    /// - Parameters:
    ///   - held: the mass-change guard's reason to hold the file, looked up only for a file that
    ///     is not failed (`needsGuardCheck`).
    public static func decide(
        _ read: ImportSummary, held: MassChangeGuard.Trip? = nil, importID: Int64? = nil
    ) -> FileFate {
        var summary = read
        if let error = read.error {
            let strict: Bool
            if case .strictModeRejected = error { strict = true } else { strict = false }
            if !strict { summary.counts = OutcomeCounts() }
            return FileFate(
                disposition: .failed, error: error.message, duplicateOf: nil, appliesChanges: false,
                listsRowsNotApplied: strict, summary: summary)
        }
        if let held {
            // What it would have done is the report's point: the rows are listed, none applied.
            return FileFate(
                disposition: .held, error: held.message(importID: importID), duplicateOf: nil,
                appliesChanges: false, listsRowsNotApplied: true, summary: summary)
        }
        return FileFate(
            disposition: .done, error: nil, duplicateOf: nil, appliesChanges: true,
            listsRowsNotApplied: false,
            summary: summary)
    }

    /// Whether the guard is asked about a file read like this: one that would apply its rows and
    /// delete some users.
    public static func needsGuardCheck(_ read: ImportSummary) -> Bool {
        read.error == nil && read.counts.deleted > 0
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
    case done, failed, held

    public init(_ disposition: Disposition, duplicates policy: DuplicatePolicy) {
        switch (disposition, policy) {
        case (.failed, _), (.duplicate, .failed): self = .failed
        case (.done, _), (.duplicate, .done): self = .done
        case (.held, _): self = .held
        }
    }

    /// The destination a recorded path names: the policy may have changed since the import
    /// chose it, so a committed import keeps the folder its path says.
    public init(recordedPath: String) {
        self =
            Destination.allCases.first { recordedPath.hasPrefix($0.folderPrefix) } ?? .done
    }

    /// The path the history records for a file published under `name`, relative to the state directory.
    public func recordedPath(of name: FileName) -> String {
        folderPrefix + name.display
    }

    var folderPrefix: String { rawValue + "/" }
}
