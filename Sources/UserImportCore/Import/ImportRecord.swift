/// Where a file ended up.
public enum Disposition: String, Sendable, Codable, CaseIterable {
    case done, failed, duplicate
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
