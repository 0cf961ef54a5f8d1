/// What becomes of a file once it has been read (the README's "What happens to a file"), decided in one place for the import
/// and its dry run alike.
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
