/// When the daemon adds `user EMAIL`'s keys for new row results (see `LineageIndexing`): only
/// while it would otherwise sleep, one short step at a time, so a file dropped meanwhile waits at
/// most one step. Work appears only with an import, so after a step that found none nothing is
/// due until the next import ends; after a failed step (busy, disk full), an hour later at most.
struct LineageSchedule {
    static let stepPauseNanoseconds: UInt64 = 20_000_000
    static let retryNanoseconds: UInt64 = 3_600_000_000_000

    /// Due at once after the start: an upgrade leaves every earlier import to index.
    private var nextAt: UInt64? = 0

    func isDue(now: UInt64) -> Bool { nextAt.map { now >= $0 } ?? false }

    mutating func stepped(foundWork: Bool, now: UInt64) {
        nextAt = foundWork ? now + Self.stepPauseNanoseconds : nil
    }

    mutating func failed(now: UInt64) {
        nextAt = now + Self.retryNanoseconds
    }

    /// An import ended: it may have written row results.
    mutating func imported() { nextAt = 0 }

    func millisecondsUntilDue(now: UInt64) -> Int {
        guard let nextAt else { return Int.max }
        return now >= nextAt ? 0 : Int((nextAt - now) / 1_000_000) + 1
    }
}
