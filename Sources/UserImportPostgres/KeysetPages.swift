/// A listing read from the server a page at a time, each page after the last row handed out
/// (the caller's key), so years of imports or a million users are never one result in memory.
enum KeysetPages {
    static let size = 1_000

    /// `fetch(pageSize, skip)` reads and hands out one page, returning how many rows it had;
    /// `skip` (the listing's offset) is nonzero for the first page only.
    static func read(offset: Int, limit: Int?, _ fetch: (_ pageSize: Int, _ skip: Int) throws -> Int) throws {
        var skip = max(0, offset)
        var left = limit ?? .max
        while left > 0 {
            let page = min(left, size)
            let count = try fetch(page, skip)
            skip = 0
            left -= count
            if count < page { return }
        }
    }
}
