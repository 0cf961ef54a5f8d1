import UserImportCore

/// The history as `userimportctl` reads it, from the SQLite file or a PostgreSQL server alike:
/// published imports newest first, one import, its row results.
public protocol HistoryReading {
    func record(id: Int64) throws -> ImportRecord?
    /// Whether an import's file has reached its folder.
    func isPublished(id: Int64) throws -> Bool
    /// Published imports matching `query`, newest first, `offset` skipped, at most `limit` (nil:
    /// all), streamed: `history --json` of years of imports never sits in memory.
    func forEachRecent(
        _ query: HistoryQuery, offset: Int, limit: Int?, _ body: (ImportRecord) throws -> Void) throws
    /// How many imports `forEachRecent` would list without offset and limit.
    func count(_ query: HistoryQuery) throws -> Int
    /// The highest import id so far (0 when none).
    func lastID() throws -> Int64
    /// The stored row results of one import, in line order, `skipping` passed over undecoded
    /// where whole chunks allow.
    func rows(importID: Int64, skipping: Int) throws -> RowResultCursor
}

extension HistoryReading {
    /// Newest first, `offset` of them skipped, at most `limit` (nil: all).
    public func recent(_ query: HistoryQuery = HistoryQuery(), offset: Int = 0, limit: Int? = 100) throws
        -> [ImportRecord]
    {
        var result: [ImportRecord] = []
        try forEachRecent(query, offset: offset, limit: limit) { result.append($0) }
        return result
    }

    /// The newest published import of a file name (`report --file`), optionally with given bytes
    /// and newer than `after` (`submit --wait`).
    public func latest(fileName: String, sha256: String? = nil, after id: Int64 = 0) throws -> ImportRecord? {
        try recent(HistoryQuery(fileName: fileName, sha256: sha256, afterID: id), limit: 1).first
    }
}

extension ImportHistory: HistoryReading {}
