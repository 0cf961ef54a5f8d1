/// When the daemon prunes row results ([History] KeepRowResults): only while it would otherwise
/// sleep, one short step at a time, so a file dropped meanwhile waits at most one step. After a
/// step that found work the next comes soon; after one that found none, an hour later, or a
/// quarter of the retention when that is shorter (a test keeping rows for seconds).
struct PruneSchedule {
    static let stepPauseNanoseconds: UInt64 = 20_000_000
    static let recheckNanoseconds: UInt64 = 3_600_000_000_000

    /// Due at once after the start and after a reload.
    private var nextAt: UInt64 = 0

    func isDue(now: UInt64) -> Bool { now >= nextAt }

    mutating func stepped(foundWork: Bool, now: UInt64, keepMilliseconds: Int) {
        let quarter = UInt64(max(keepMilliseconds, 1000)) * 250_000
        nextAt = now + (foundWork ? Self.stepPauseNanoseconds : min(Self.recheckNanoseconds, quarter))
    }

    mutating func reset() { nextAt = 0 }

    func millisecondsUntilDue(now: UInt64) -> Int {
        now >= nextAt ? 0 : Int((nextAt - now) / 1_000_000) + 1
    }
}
