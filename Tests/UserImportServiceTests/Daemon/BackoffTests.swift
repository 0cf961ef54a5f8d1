import Testing

@testable import UserImportService

struct BackoffTests {
    @Test func eachFailureWaitsTwiceAsLongUpToTheCap() {
        var backoff = Backoff(initialMilliseconds: 500, capMilliseconds: 60_000)
        let delays = (0..<10).map { _ in backoff.next() }
        #expect(delays == [500, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000])
        #expect(backoff.failures == 10)
    }

    @Test func aResetStartsAgainFromTheInitialWait() {
        var backoff = Backoff(initialMilliseconds: 50, capMilliseconds: 2000)
        for _ in 0..<8 { _ = backoff.next() }
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.next() == 50)
        #expect(backoff.next() == 100)
    }

    @Test func aCapThatIsNotAPowerOfTwoOfTheInitialIsReachedExactly() {
        var backoff = Backoff(initialMilliseconds: 50, capMilliseconds: 30_000)
        let delays = (0..<12).map { _ in backoff.next() }
        #expect(delays.suffix(3) == [25_600, 30_000, 30_000])
    }

    @Test func theNthDelayIsWhatTheNthNextReturns() {
        for (initial, cap) in [(1, 3_600_000), (50, 2000), (500, 60_000), (30_000, 3_600_000), (7, 7)] {
            var backoff = Backoff(initialMilliseconds: initial, capMilliseconds: cap)
            for n in 1...40 {
                let delay = backoff.delay(forFailure: n)
                #expect(backoff.next() == delay, "initial \(initial), cap \(cap), n \(n)")
            }
        }
    }

    @Test func theNthDelayNeverOverflows() {
        let backoff = Backoff(initialMilliseconds: 3_600_000, capMilliseconds: 3_600_000)
        #expect(backoff.delay(forFailure: 1) == 3_600_000)
        let small = Backoff(initialMilliseconds: 1, capMilliseconds: Int.max)
        #expect(small.delay(forFailure: 62) == 1 << 61)
        #expect(small.delay(forFailure: 63) == 1 << 62)
        #expect(small.delay(forFailure: 64) == Int.max)
        #expect(small.delay(forFailure: Int.max) == Int.max)
        #expect(small.delay(forFailure: 0) == 1, "before the first failure: the initial wait")
    }
}
