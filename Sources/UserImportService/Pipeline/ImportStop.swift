import UserImportCore

/// What an error thrown out of an import means for the file in hand: the one place that says it.
///
/// A problem with the file itself is never thrown: `ImportRun` turns it into the file's fate
/// (failed, with the reason in its report). What is thrown leaves the file claimed in work/, its
/// transaction rolled back, and says only when to try again.
public enum ImportStop: Equatable, Sendable {
    /// A stop was asked: the file is imported again at the next start.
    case interrupted
    /// The file changed while it was read: read again once it has settled.
    case changedWhileReading(FileName)
    /// Trouble on our side (disk full, database busy) or in reading the file (EIO): tried again
    /// after a back-off; a file whose reads keep failing fails as unreadable after
    /// `ImportPipeline.maxReadFailures` tries.
    case transient

    public init(_ error: any Error) {
        switch error {
        case is ImportInterrupted: self = .interrupted
        case let changed as FileChangedWhileReading: self = .changedWhileReading(changed.file)
        default: self = .transient
        }
    }
}
