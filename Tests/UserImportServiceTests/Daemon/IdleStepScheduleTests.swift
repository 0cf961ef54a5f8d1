import Testing

@testable import UserImportService

/// The idle work's timing, with a clock driven by hand.
struct IdleStepScheduleTests {
    let ms: UInt64 = 1_000_000

    @Test func dueAtOnceThenSoonAfterWorkThenAsTheCallerSays() {
        var schedule = IdleStepSchedule()
        #expect(schedule.isDue(now: 0))
        schedule.stepped(foundWork: true, now: 1_000 * ms, otherwiseAfter: 60_000 * ms)
        #expect(!schedule.isDue(now: 1_019 * ms))
        #expect(schedule.isDue(now: 1_020 * ms))
        #expect(schedule.millisecondsUntilDue(now: 1_010 * ms) == 11)
        schedule.stepped(foundWork: false, now: 2_000 * ms, otherwiseAfter: 60_000 * ms)
        #expect(!schedule.isDue(now: 61_999 * ms))
        #expect(schedule.isDue(now: 62_000 * ms))
        #expect(schedule.millisecondsUntilDue(now: 62_000 * ms) == 0)
    }

    @Test func withoutAPauseNothingIsDueUntilAReset() {
        var schedule = IdleStepSchedule()
        schedule.stepped(foundWork: false, now: 5 * ms, otherwiseAfter: nil)
        #expect(!schedule.isDue(now: UInt64.max))
        #expect(schedule.millisecondsUntilDue(now: 5 * ms) == Int.max)
        schedule.reset()
        #expect(schedule.isDue(now: 6 * ms))
        #expect(schedule.millisecondsUntilDue(now: 6 * ms) == 0)
    }
}
