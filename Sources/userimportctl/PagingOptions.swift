import ArgumentParser

/// `--offset`, `--limit` and `--all` on every listing. A JSON listing is never cut unless asked:
/// without `--limit` it holds every item. A table stops at `tableDefault` and says so.
struct PagingOptions: ParsableArguments {
    @Option(help: "Skip this many items first.") var offset: Int = 0
    @Option(help: "At most this many items (JSON: all unless given; tables: 50 unless given).")
    var limit: Int?
    @Flag(help: "Tables: show every item.") var all = false

    static let tableDefault = 50

    func validate() throws {
        guard offset >= 0 else { throw ValidationError("--offset must be 0 or more") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        if all, limit != nil { throw ValidationError("give either --limit or --all") }
    }

    /// How many items to list: nil means all.
    func limit(json: Bool) -> Int? {
        json || all ? limit : (limit ?? Self.tableDefault)
    }

    /// The table's last line when it was cut at the default, or nil when it shows everything
    /// there is to show past the offset.
    func cutNotice(shown: Int, total: Int) -> String? {
        guard limit == nil, !all, offset + shown < total else { return nil }
        return "\(Format.count(shown)) of \(Format.count(total)) shown; --limit N or --all\n"
    }

    /// The same for a count that stopped at `counted` (more there may be).
    func cutNotice(shown: Int, countedUpTo counted: Int, limit countLimit: Int) -> String? {
        guard counted > countLimit else { return cutNotice(shown: shown, total: counted) }
        guard limit == nil, !all else { return nil }
        return
            "\(Format.count(shown)) of more than \(Format.count(countLimit)) shown; a longer search, --limit N or --all\n"
    }
}
