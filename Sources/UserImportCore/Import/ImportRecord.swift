/// Where a file ended up.
public enum Disposition: String, Sendable, Codable, CaseIterable {
    case done, failed, duplicate
    /// Held by the mass-change guard: nothing applied, waiting in held/ for a release or a reject.
    case held
}

/// One import as the history keeps it: the source of the report file, `history` and `report`.
public struct ImportRecord: Sendable, Equatable {
    public var id: Int64
    public var fileName: String
    /// Where the file ended up (relative to the state dir), once published.
    public var path: String?
    public var sha256: String
    public var size: Int
    public var ownerUID: UInt32?
    public var receivedAt: Timestamp
    public var startedAt: Timestamp
    public var finishedAt: Timestamp
    public var disposition: Disposition
    public var duplicateOf: Int64?
    public var error: String?
    public var summary: ImportSummary
    /// On the import of a released file: the held import it releases.
    public var releaseOf: Int64?
    /// On a held import that was released: the import that applied it.
    public var releasedAs: Int64?
    /// Who released or rejected the held file, and when: on the held import, and on its release.
    public var decision: HeldDecision?
    /// On an undo: the import it reversed.
    public var undoOf: Int64?
    /// On an import that was undone: the undo (read from the history, never written).
    public var undoneBy: Int64?
    /// When its row results (and the previous values kept with them) were pruned, past
    /// [History] KeepRowResults; the import's own row stays.
    public var rowsPrunedAt: Timestamp?

    public init(
        id: Int64, fileName: String, path: String?, sha256: String, size: Int, ownerUID: UInt32?,
        receivedAt: Timestamp, startedAt: Timestamp, finishedAt: Timestamp, disposition: Disposition,
        duplicateOf: Int64?, error: String?, summary: ImportSummary
    ) {
        self.id = id
        self.fileName = fileName
        self.path = path
        self.sha256 = sha256
        self.size = size
        self.ownerUID = ownerUID
        self.receivedAt = receivedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.disposition = disposition
        self.duplicateOf = duplicateOf
        self.error = error
        self.summary = summary
    }
}

/// A person's decision on a held file: who (`userimportctl release` or `reject`, run as them) and when.
public struct HeldDecision: Sendable, Equatable {
    public var byUID: UInt32
    /// The account's name when the decision was made (names can change; the record keeps this one).
    public var byName: String?
    public var at: Timestamp

    public init(byUID: UInt32, byName: String?, at: Timestamp) {
        self.byUID = byUID
        self.byName = byName
        self.at = at
    }

    /// "alice (UID 1000) at 2026-12-03T15:00:00Z"
    public var description: String {
        (byName.map { "\($0) (UID \(byUID))" } ?? "UID \(byUID)") + " at " + at.rfc3339
    }
}

/// What a request file in the inbox asks of the daemon (`FileName.Kind.request`).
public enum RequestAction: String, Sendable, Equatable, CaseIterable {
    case release, reject
    /// Reverse a done import (`userimportctl undo`).
    case undo

    /// The decision on a held import this request carries, if it is one.
    public var held: HeldAction? { HeldAction(rawValue: rawValue) }
}

/// What a person can decide about a held import.
public enum HeldAction: String, Sendable, Equatable, CaseIterable {
    /// Import it anyway, against the directory as it is then, the guard lifted for it alone.
    case release
    /// Refuse it: it moves to failed/.
    case reject
}
