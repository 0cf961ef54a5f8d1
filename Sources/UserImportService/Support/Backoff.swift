/// Waits that double after each failure up to a cap, in milliseconds: transient trouble (a busy
/// database, a full disk, a relay that is down) is retried soon at first, and rarely while it
/// lasts, so that neither the journal nor the disk is hammered.
struct Backoff: Sendable, Equatable {
    let initialMilliseconds: Int
    let capMilliseconds: Int
    /// Failures since the last `reset()`.
    private(set) var failures = 0

    init(initialMilliseconds: Int, capMilliseconds: Int) {
        self.initialMilliseconds = initialMilliseconds
        self.capMilliseconds = capMilliseconds
    }

    /// How long to wait after one more failure.
    mutating func next() -> Int {
        failures += 1
        return delay(forFailure: failures)
    }

    /// A success: the next failure waits `initialMilliseconds` again.
    mutating func reset() {
        failures = 0
    }

    /// What `next()` returns at its `n`-th call since a reset (`n` from 1), for callers that keep
    /// the count elsewhere (an email's attempts live in the outbox). Never overflows, however
    /// large `n` is.
    func delay(forFailure n: Int) -> Int {
        let doublings = max(0, n - 1)
        // `>>` shifts by any amount (past the width it gives 0), and `initial <= cap >> d` keeps
        // `initial << d` within `cap`.
        guard initialMilliseconds <= capMilliseconds >> doublings else { return capMilliseconds }
        return initialMilliseconds << doublings
    }
}
