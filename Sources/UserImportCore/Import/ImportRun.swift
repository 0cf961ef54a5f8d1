/// The run of one file, from the checks made before reading to its fate: the one sequence both the
/// import and its dry run (`userimportctl validate`) go through, so that a dry run says exactly what
/// an import would do.
///
/// The steps: a problem found before reading fails the file unread; a file whose size an earlier
/// import had is hashed first, and is a duplicate without a row read when its bytes were imported
/// before; otherwise the file is read, read again with the fallback encoding when it turned out not
/// to be UTF-8, fingerprinted, and given its fate (`FileFate.decide`). A fate that applies nothing
/// discards what the reads changed; a strict-mode failure then lists what each row would have done.
public enum ImportRun {
    public struct Outcome: Sendable, Equatable {
        public var fate: FileFate
        /// The SHA-256 of the whole file; nil when it failed before it was read (the caller may
        /// still fingerprint it, outside any transaction).
        public var sha256: String?
        /// The held import this run released (the guard was lifted for it).
        public var releaseOf: Int64?
    }

    /// The file as the checks before reading left it.
    public enum Input<Source: RereadableSource> {
        /// Failed by `FileFate.precheck`, or by the caller's own look at the opened file.
        case failedBefore(FileError)
        /// The file opened, with its size when opened.
        case opened(Source, size: Int)
    }

    public static func run<Source: RereadableSource, Attempt: ImportAttempt>(
        _ input: Input<Source>, importer: Importer, attempt: inout Attempt
    ) throws -> Outcome {
        var file: Source
        switch input {
        case .failedBefore(let problem): return Outcome(fate: .failed(before: problem), sha256: nil)
        case .opened(let source, let size):
            file = source
            // No other file can have the bytes of an earlier import: only one of a size seen
            // before pays for a hash first, and a duplicate costs that hash, not an import.
            if try attempt.hasDoneImport(size: size) {
                let sha256 = try file.finishHash()
                if let earlier = try attempt.earlierImport(sha256: sha256) {
                    let read = try attempt.summary(ofImport: earlier)
                    return Outcome(fate: .duplicate(of: earlier, read: read), sha256: sha256)
                }
                try file.rewind()
            }
        }
        var importer = importer
        var summary = try read(&file, with: &importer, encoding: nil, attempt: &attempt)
        if let fallback = FileFate.retryEncoding(after: summary, fallback: importer.options.fallbackEncoding)
        {
            try attempt.discard()
            try file.rewind()
            summary = try read(&file, with: &importer, encoding: fallback, attempt: &attempt)
        }
        let sha256 = try file.finishHash()
        var held: MassChangeGuard.Trip?
        var released: Int64?
        if FileFate.needsGuardCheck(summary) {
            // A file released from held/ is applied against the directory as it is now, unguarded.
            released = try attempt.releasedHold(sha256: sha256)
            if released == nil {
                held = importer.options.massChange.trip(
                    deletions: summary.counts.deleted, existingUsers: try attempt.existingUsersBefore(summary)
                )
            }
        }
        let fate = FileFate.decide(summary, held: held, importID: attempt.importID)
        if !fate.appliesChanges { try attempt.discard() }
        if fate.listsRowsNotApplied {
            try file.rewind()
            // In file order: a listing that failed half-way for want of scratch space would
            // have to be undone; it is the slow path of files that apply nothing anyway.
            try attempt.listRows(&file, with: importer.inOrder, encoding: summary.encoding)
        }
        return Outcome(fate: fate, sha256: sha256, releaseOf: released)
    }
}

extension ImportRun {
    /// Reads the file; when the scratch files a large file is sorted in cannot be had (the work
    /// folder is full, say), reads it again in file order, which is slower but needs no room, and
    /// says so in the report.
    /// `importer` becomes the in-order one then, so a read again with the fallback encoding does
    /// not try the full folder a second time.
    static func read<Source: RereadableSource, Attempt: ImportAttempt>(
        _ file: inout Source, with importer: inout Importer, encoding: InputEncoding?, attempt: inout Attempt
    ) throws -> ImportSummary {
        do {
            return try attempt.read(&file, with: importer, encoding: encoding)
        } catch SpillError.unavailable(let why) {
            try attempt.discard()
            try file.rewind()
            importer = importer.inOrder
            var summary = try attempt.read(&file, with: importer, encoding: encoding)
            summary.warnings.append(
                "the rows past the first \(importer.sortedBeyond) were applied in file order, more slowly: "
                    + "there was no scratch file to sort them in (\(why))")
            return summary
        }
    }
}

/// A file's changes and row results while it is read: the import's, inside a savepoint of its
/// transaction, or a dry run's, in an overlay that writes nothing.
public protocol ImportAttempt {
    /// Reads the file through `importer` into this attempt's directory, outbox and row results.
    mutating func read<Source: ByteSource>(
        _ source: inout Source, with importer: Importer, encoding: InputEncoding?
    )
        throws -> ImportSummary
    /// Forgets what the reads so far changed, queued and recorded.
    mutating func discard() throws
    /// Records what each row would have done, applying and queueing nothing.
    mutating func listRows<Source: ByteSource>(
        _ source: inout Source, with importer: Importer, encoding: InputEncoding?) throws
    /// Whether an earlier `done` import had a file of `size` bytes.
    func hasDoneImport(size: Int) throws -> Bool
    /// The earlier `done` import of the same bytes, if any.
    func earlierImport(sha256: String) throws -> Int64?
    /// What import `id` read: its headers, encoding, delimiter, rows and warnings.
    func summary(ofImport id: Int64) throws -> ImportSummary
    /// The users that existed (invited or active) before the file, given what its read did.
    func existingUsersBefore(_ read: ImportSummary) throws -> Int
    /// The held import of these bytes a person released, whose guard this run lifts; nil if none.
    func releasedHold(sha256: String) throws -> Int64?
    /// The import's id, for the words of a report; nil in a dry run.
    var importID: Int64? { get }
}

/// A source that can be read again from the start and fingerprints what it hands out.
public protocol RereadableSource: ByteSource {
    mutating func rewind() throws
    /// Reads to the end and returns the SHA-256 of the whole content.
    mutating func finishHash() throws -> String
}
