import Glibc

/// Time for deadlines and intervals: it never jumps when the wall clock is set, so a settle wait or
/// a back-off is never cut short or stretched by NTP or an operator.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
