import UserImportCore

/// The outbox as `userimportctl outbox` and `status` read it, from the SQLite file or a
/// PostgreSQL server alike: newest first, the entries still in blocks (pending, never attempted)
/// before the rows.
public protocol OutboxReading {
    /// Handed to `body` one at a time, `offset` skipped, at most `limit` (nil: all).
    func forEachEntry(
        state: OutboxEntry.State?, offset: Int, limit: Int?, _ body: (OutboxEntry) throws -> Void) throws
    /// Entries in a state, or in every state when nil.
    func count(state: OutboxEntry.State?) throws -> Int
}

extension OutboxReading {
    public func entries(state: OutboxEntry.State? = nil, offset: Int = 0, limit: Int = 1000) throws
        -> [OutboxEntry]
    {
        var result: [OutboxEntry] = []
        try forEachEntry(state: state, offset: offset, limit: limit) { result.append($0) }
        return result
    }
}

extension OutboxListing: OutboxReading {}
