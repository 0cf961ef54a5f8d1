/// When the daemon takes one step of work it does only while it would otherwise sleep (pruning
/// old row results, indexing new ones for `user EMAIL`): one short step at a time, so a file
/// dropped meanwhile waits at most one step. After a step that found work the next comes soon;
/// after one that found none, or failed, when its caller says — or not until `reset()`.
struct IdleStepSchedule {
    static let stepPauseNanoseconds: UInt64 = 20_000_000

    /// Due at once after the start.
    private var nextAt: UInt64? = 0

    func isDue(now: UInt64) -> Bool { nextAt.map { now >= $0 } ?? false }

    /// `otherwiseAfter`: how long to wait when the step found no work (nil: until `reset()`).
    mutating func stepped(foundWork: Bool, now: UInt64, otherwiseAfter pause: UInt64?) {
        nextAt = foundWork ? now + Self.stepPauseNanoseconds : pause.map { now + $0 }
    }

    /// Due at once again: a reload, or an import that may have written new work.
    mutating func reset() { nextAt = 0 }

    func millisecondsUntilDue(now: UInt64) -> Int {
        guard let nextAt else { return Int.max }
        return now >= nextAt ? 0 : Int((nextAt - now) / 1_000_000) + 1
    }
}
