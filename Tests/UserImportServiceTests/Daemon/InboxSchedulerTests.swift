import Glibc
import Testing
import UserImportCore

@testable import UserImportService

/// An entry as `lstat` would describe it: only size, links and ctime matter to the scheduler.
private func entry(size: Int, changedAt changed: Int64 = 1_000, links: Int = 1) -> EntryInfo {
    var st = stat()
    st.st_mode = S_IFREG | 0o644
    st.st_size = size
    st.st_nlink = UInt(links)
    st.st_ctim = timespec(tv_sec: Int(changed / 1000), tv_nsec: Int(changed % 1000) * 1_000_000)
    st.st_mtim = st.st_ctim
    return EntryInfo(st)
}

/// The scheduler with a clock moved by hand and, for the longer runs, a pretend inbox that
/// answers its listings and looks.
private struct SchedulerHarness {
    typealias Action = InboxScheduler.Action

    var scheduler: InboxScheduler
    /// Monotonic nanoseconds; never 0, so that a deadline of 0 is in the past as on a real machine.
    var now: UInt64 = 1_000_000_000_000
    var inbox: [(name: FileName, info: EntryInfo)] = []
    var claimed: [FileName: EntryInfo] = [:]
    /// Every action the scheduler asked for, in order.
    var actions: [Action] = []

    init(settle: Int = 1000, rescan: Int = 60_000) {
        scheduler = InboxScheduler(
            settings: .init(settleTimeMilliseconds: settle, rescanIntervalMilliseconds: rescan))
    }

    mutating func next() -> Action {
        let action = scheduler.nextAction(now: now)
        actions.append(action)
        return action
    }

    mutating func advance(milliseconds: Int) {
        now += UInt64(milliseconds) * 1_000_000
    }

    /// Milliseconds since `start`.
    func elapsed(since start: UInt64) -> Int { Int((now - start) / 1_000_000) }

    /// A start with nothing claimed and `inbox` as the first scan finds it, up to the first sleep.
    mutating func start() -> Action {
        #expect(next() == .recover)
        scheduler.importEnded(.imported, now: now)
        #expect(next() == .scan)
        scheduler.listed(inbox, now: now)
        return next()
    }

    /// Answers scans, listings and looks from `inbox` and `claimed`, and sleeps by moving the clock,
    /// until the scheduler asks for an import or a reconcile (returned), or `limit` milliseconds pass.
    mutating func runUntilWork(limit: Int = 3_600_000) -> Action? {
        let deadline = now + UInt64(limit) * 1_000_000
        while now <= deadline {
            switch next() {
            case .scan, .list: scheduler.listed(inbox, now: now)
            case .examine(let name): scheduler.examined(name, inbox.first { $0.name == name }?.info, now: now)
            case .checkClaim(let name): scheduler.examined(name, claimed[name], now: now)
            case .idle: break
            // A sleep of 0 comes only after a pass that overran: it is followed by a pass that works.
            case .sleep(let milliseconds): advance(milliseconds: max(milliseconds, 1))
            case let work: return work
            }
        }
        return nil
    }

    mutating func drop(_ name: String, _ info: EntryInfo, renamed: Bool) {
        inbox.append((FileName(name), info))
        scheduler.received(renamed ? .movedIn(FileName(name)) : .written(FileName(name)))
    }

    /// The file leaves the inbox, as an import or a claim moves it.
    mutating func take(_ name: String) {
        inbox.removeAll { $0.name == FileName(name) }
    }
}

struct InboxSchedulerTests {
    typealias Action = InboxScheduler.Action
    let a = FileName("a.csv")
    let b = FileName("b.csv")

    // MARK: Start

    @Test func aStartFinishesWhatIsClaimedBeforeTheFirstScan() {
        var harness = SchedulerHarness()
        #expect(harness.next() == .recover)
        #expect(harness.next() == .recover, "asked again until answered")
        harness.scheduler.importEnded(.imported, now: harness.now)
        #expect(harness.next() == .scan)
        harness.scheduler.listed([], now: harness.now)
        #expect(harness.next() == .sleep(milliseconds: 1000))
        harness.advance(milliseconds: 1000)
        #expect(harness.next() == .sleep(milliseconds: 1000), "no second recovery, no rescan yet")
    }

    @Test func aRecoveryThatFailsAtStartHoldsBackImportsButNotTheScan() {
        var harness = SchedulerHarness()
        harness.inbox = [(a, entry(size: 10))]
        #expect(harness.next() == .recover)
        #expect(harness.scheduler.failed(now: harness.now) == 500)
        #expect(harness.next() == .scan)
        harness.scheduler.listed(harness.inbox, now: harness.now)
        #expect(harness.scheduler.candidateNames == [a])
        let failedAt = harness.now
        #expect(harness.runUntilWork() == .recover)
        #expect(harness.elapsed(since: failedAt) == 500)
        #expect(!harness.actions.contains(.list), "nothing newer is looked at before the reconcile")
    }

    // MARK: Settling

    @Test func aWrittenFileIsTakenOnceSizeAndCtimeHeldForTheSettleTime() {
        var harness = SchedulerHarness(settle: 1000)
        #expect(harness.start() == .sleep(milliseconds: 1000))
        let info = entry(size: 10)
        harness.drop("a.csv", info, renamed: false)
        let start = harness.now
        #expect(harness.next() == .list)
        harness.scheduler.listed(harness.inbox, now: harness.now)
        #expect(harness.next() == .examine(a))
        harness.scheduler.examined(a, info, now: harness.now)
        #expect(harness.next() == .idle, "first seen now: not settled")
        #expect(harness.next() == .sleep(milliseconds: 250), "looked at again after a quarter of SettleTime")
        for _ in 0..<3 {
            harness.advance(milliseconds: 250)
            #expect(harness.next() == .list)
            harness.scheduler.listed(harness.inbox, now: harness.now)
            #expect(harness.next() == .examine(a))
            harness.scheduler.examined(a, info, now: harness.now)
            #expect(harness.next() == .idle, "\(harness.elapsed(since: start)) ms is not yet SettleTime")
            #expect(harness.next() == .sleep(milliseconds: 250))
        }
        harness.advance(milliseconds: 250)
        #expect(harness.next() == .list)
        harness.scheduler.listed(harness.inbox, now: harness.now)
        #expect(harness.next() == .examine(a))
        harness.scheduler.examined(a, info, now: harness.now)
        #expect(harness.next() == .process(a, info))
        harness.scheduler.importEnded(.imported, now: harness.now)
        #expect(harness.next() == .idle)
        #expect(harness.next() == .sleep(milliseconds: 1000), "nothing settling any more")
        #expect(harness.scheduler.candidateNames.isEmpty)
    }

    @Test func aChangeOfSizeOrCtimeStartsTheWaitAgain() {
        var harness = SchedulerHarness(settle: 1000)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: false)
        let start = harness.now
        #expect(harness.runUntilWork(limit: 900) == nil)
        #expect(harness.elapsed(since: start) == 1000, "the next look is due now")
        harness.inbox = [(a, entry(size: 20))]  // appended to
        #expect(harness.runUntilWork(limit: 900) == nil)
        #expect(harness.elapsed(since: start) == 2000)
        harness.inbox = [(a, entry(size: 20, changedAt: 5_000))]  // chmod'ed: only ctime changes
        #expect(harness.runUntilWork() == .process(a, entry(size: 20, changedAt: 5_000)))
        // Each change was seen at the look just after it; settled a SettleTime after the last one.
        #expect(harness.elapsed(since: start) == 3000)
    }

    @Test func aSettleTimeOfZeroTakesAWrittenFileAtItsFirstLook() {
        var harness = SchedulerHarness(settle: 0)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: false)
        #expect(harness.next() == .list)
        harness.scheduler.listed(harness.inbox, now: harness.now)
        #expect(harness.next() == .examine(a))
        harness.scheduler.examined(a, entry(size: 10), now: harness.now)
        #expect(harness.next() == .process(a, entry(size: 10)))
    }

    @Test(arguments: [(1000, 250), (100, 25), (40, 10), (20, 10), (0, 10)])
    func aSettlingFileIsLookedAtEveryQuarterOfTheSettleTimeButNoMoreOftenThanEvery10ms(
        settle: Int, period: Int
    ) {
        var harness = SchedulerHarness(settle: settle)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: false)
        #expect(harness.next() == .list)
        harness.scheduler.listed(harness.inbox, now: harness.now)
        #expect(harness.next() == .examine(a))
        harness.scheduler.examined(a, nil, now: harness.now)  // cannot be looked at just now
        #expect(harness.next() == .idle)
        #expect(harness.next() == .sleep(milliseconds: period))
        #expect(harness.scheduler.candidateNames == [a], "a failed look keeps the candidate")
    }

    @Test func aFileRenamedInIsTakenAtOnce() {
        var harness = SchedulerHarness(settle: 1000)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: true)
        #expect(harness.next() == .list)
        harness.scheduler.listed(harness.inbox, now: harness.now)
        #expect(harness.next() == .examine(a))
        harness.scheduler.examined(a, entry(size: 10), now: harness.now)
        #expect(harness.next() == .process(a, entry(size: 10)))
    }

    @Test func aRenameTakesOverAFileStillSettlingAndALaterWriteDoesNotUndoIt() {
        var harness = SchedulerHarness(settle: 1000)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: false)
        let start = harness.now
        #expect(harness.runUntilWork(limit: 300) == nil)
        harness.scheduler.received(.movedIn(a))
        harness.scheduler.received(.written(a))
        #expect(harness.runUntilWork() == .process(a, entry(size: 10)))
        #expect(harness.elapsed(since: start) < 1000)
    }

    @Test func namesOfUploadsInProgressAreNeverCandidates() {
        var harness = SchedulerHarness()
        harness.inbox = [(FileName("b.csv.part"), entry(size: 1)), (FileName("~c.csv~"), entry(size: 1))]
        #expect(harness.start() == .sleep(milliseconds: 1000), "nothing settling")
        harness.scheduler.received(.movedIn(FileName(".a.csv")))
        harness.scheduler.received(.written(FileName("a.csv.tmp")))
        #expect(harness.scheduler.candidateNames.isEmpty)
        #expect(harness.next() == .sleep(milliseconds: 1000), "no listing for nothing")
    }

    // MARK: The listing

    @Test func candidatesGoneFromTheInboxAreDroppedAndTheRestTakenInListingOrder() {
        var harness = SchedulerHarness()
        _ = harness.start()
        harness.scheduler.received(.movedIn(FileName("gone.csv")))
        harness.scheduler.received(.movedIn(a))
        harness.scheduler.received(.movedIn(b))
        #expect(harness.next() == .list)
        harness.scheduler.listed([(b, entry(size: 2)), (a, entry(size: 1))], now: harness.now)
        #expect(harness.scheduler.candidateNames == [a, b])
        #expect(harness.next() == .examine(b), "oldest first, as listed")
        harness.scheduler.examined(b, entry(size: 2), now: harness.now)
        #expect(harness.next() == .process(b, entry(size: 2)))
        harness.scheduler.importEnded(.imported, now: harness.now)
        #expect(harness.next() == .examine(a))
        harness.scheduler.examined(a, entry(size: 1), now: harness.now)
        #expect(harness.next() == .process(a, entry(size: 1)))
        harness.scheduler.importEnded(.imported, now: harness.now)
        #expect(harness.next() == .idle)
        #expect(harness.next() == .sleep(milliseconds: 1000))
    }

    @Test func aFileWithMoreThanOneLinkThatIsLeftStaysACandidate() {
        var harness = SchedulerHarness()
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10, links: 2), renamed: true)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10, links: 2)))
        harness.scheduler.importEnded(.left, now: harness.now)
        #expect(harness.next() == .idle)
        #expect(harness.scheduler.candidateNames == [a])
        #expect(harness.next() == .sleep(milliseconds: 250), "still looked at")
        #expect(harness.runUntilWork() == .process(a, entry(size: 10, links: 2)), "tried again")
        harness.inbox = [(a, entry(size: 10, links: 1))]  // the other link was removed
        harness.scheduler.importEnded(.left, now: harness.now)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10, links: 1)))
        harness.scheduler.importEnded(.left, now: harness.now)
        #expect(harness.scheduler.candidateNames.isEmpty, "with one link, a file left is left for good")
    }

    @Test func anInterruptedImportEndsThePassWithoutGoingIdle() {
        var harness = SchedulerHarness()
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: true)
        harness.drop("b.csv", entry(size: 10), renamed: true)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10)))
        harness.scheduler.importEnded(.interrupted, now: harness.now)
        guard case .sleep = harness.next() else {
            Issue.record("expected the pass to end, got \(harness.actions.last.map { "\($0)" } ?? "")")
            return
        }
        #expect(!harness.actions.contains(.examine(b)))
        #expect(!harness.actions.contains(.idle))
    }

    // MARK: Rescans

    @Test func theInboxIsRescannedEveryRescanInterval() {
        var harness = SchedulerHarness(rescan: 5000)
        #expect(harness.start() == .sleep(milliseconds: 1000))
        let scannedAt = harness.now
        harness.advance(milliseconds: 4000)
        #expect(harness.next() == .sleep(milliseconds: 1000))
        harness.advance(milliseconds: 999)
        #expect(harness.next() == .sleep(milliseconds: 1), "wakes for the rescan, not a second later")
        harness.advance(milliseconds: 1)
        #expect(harness.next() == .scan)
        #expect(harness.elapsed(since: scannedAt) == 5000)
        harness.inbox = [(a, entry(size: 10))]  // written on another host: no event
        harness.scheduler.listed(harness.inbox, now: harness.now)
        #expect(harness.scheduler.candidateNames == [a])
        #expect(harness.next() == .list)
    }

    @Test func anOverflowRescansAtTheNextPass() {
        var harness = SchedulerHarness()
        _ = harness.start()
        harness.advance(milliseconds: 10)
        #expect(harness.next() == .sleep(milliseconds: 1000))
        harness.scheduler.received(.overflow)
        #expect(harness.next() == .scan)
        harness.scheduler.listed([], now: harness.now)
        #expect(harness.next() == .sleep(milliseconds: 1000))
        #expect(harness.next() == .sleep(milliseconds: 1000), "once")
    }

    @Test func aReloadRescansAndItsTimesApplyToFilesAlreadySettling() {
        var harness = SchedulerHarness(settle: 10_000, rescan: 60_000)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: false)
        let start = harness.now
        #expect(harness.runUntilWork(limit: 50) == nil)
        harness.scheduler.reloaded(.init(settleTimeMilliseconds: 100, rescanIntervalMilliseconds: 2000))
        #expect(harness.scheduler.settings.settleTimeMilliseconds == 100)
        #expect(harness.next() == .scan)
        harness.scheduler.listed(harness.inbox, now: harness.now)
        #expect(harness.next() == .list)
        harness.scheduler.listed(harness.inbox, now: harness.now)
        #expect(harness.next() == .examine(a))
        harness.scheduler.examined(a, entry(size: 10), now: harness.now)
        // Observed at the start, unchanged since: 100 ms of SettleTime has passed by now.
        #expect(harness.elapsed(since: start) >= 100)
        #expect(harness.next() == .process(a, entry(size: 10)))
        harness.scheduler.importEnded(.imported, now: harness.now)
        let scannedAt = harness.now
        #expect(harness.next() == .idle)
        #expect(harness.next() == .sleep(milliseconds: 1000))
        harness.advance(milliseconds: 1999)
        #expect(harness.next() == .sleep(milliseconds: 1), "the next rescan is 2000 ms after the last")
        harness.advance(milliseconds: 1)
        #expect(harness.elapsed(since: scannedAt) == 2000)
        #expect(harness.next() == .scan)
    }

    // MARK: Trouble

    @Test func transientErrorsBackOffFrom500msDoublingToAMinute() {
        var harness = SchedulerHarness()
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: true)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10)))
        var waits: [Int] = []
        for _ in 0..<10 {
            let wait = harness.scheduler.failed(now: harness.now)
            let failedAt = harness.now
            #expect(harness.runUntilWork() == .recover)
            #expect(harness.elapsed(since: failedAt) == wait, "retried when the back-off is over, not before")
            waits.append(wait)
        }
        #expect(waits == [500, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000])
    }

    @Test func anImportThatEndsStartsTheBackOffAgain() {
        var harness = SchedulerHarness()
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: true)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10)))
        #expect(harness.scheduler.failed(now: harness.now) == 500)
        #expect(harness.runUntilWork() == .recover)
        #expect(harness.scheduler.failed(now: harness.now) == 1000)
        #expect(harness.runUntilWork() == .recover)
        harness.take("a.csv")  // finished by the reconcile
        harness.scheduler.importEnded(.imported, now: harness.now)
        harness.drop("b.csv", entry(size: 10), renamed: true)
        #expect(harness.runUntilWork() == .process(b, entry(size: 10)))
        harness.scheduler.importEnded(.imported, now: harness.now)
        harness.drop("a.csv", entry(size: 10), renamed: true)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10)))
        #expect(harness.scheduler.failed(now: harness.now) == 500)
    }

    @Test func aFileClaimedWhenAnErrorStruckIsFinishedBeforeAnythingNewer() {
        var harness = SchedulerHarness()
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: true)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10)))
        harness.take("a.csv")  // claimed into work/
        #expect(harness.scheduler.failed(now: harness.now) == 500)
        harness.drop("b.csv", entry(size: 10), renamed: true)
        harness.actions = []
        #expect(harness.runUntilWork() == .recover)
        #expect(!harness.actions.contains(.list), "b waits: \(harness.actions)")
        // A reconcile that fails again keeps b waiting.
        #expect(harness.scheduler.failed(now: harness.now) == 1000)
        #expect(harness.runUntilWork() == .recover)
        #expect(!harness.actions.contains(.list))
        harness.scheduler.importEnded(.imported, now: harness.now)
        #expect(harness.next() == .list, "in the same pass")
        #expect(harness.runUntilWork() == .process(b, entry(size: 10)))
    }

    @Test func aListingThatFailsBacksOffWithoutAReconcile() {
        var harness = SchedulerHarness(settle: 10_000)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: true)
        #expect(harness.next() == .list)
        #expect(harness.scheduler.failed(now: harness.now) == 500)
        #expect(harness.next() == .sleep(milliseconds: 500), "the back-off is the nearest deadline")
        harness.advance(milliseconds: 499)
        #expect(harness.next() == .sleep(milliseconds: 1))
        harness.advance(milliseconds: 1)
        #expect(harness.next() == .list, "nothing was claimed: no reconcile")
    }

    /// As before the scheduler was taken out: the back-off holds imports back, not scans, and a
    /// scan that is still due after it failed is tried again at once.
    @Test func aScanThatFailsIsTriedAgainAtTheNextPass() {
        var harness = SchedulerHarness()
        #expect(harness.next() == .recover)
        harness.scheduler.importEnded(.imported, now: harness.now)
        #expect(harness.next() == .scan)
        #expect(harness.scheduler.failed(now: harness.now) == 500)
        #expect(harness.next() == .sleep(milliseconds: 0))
        #expect(harness.next() == .scan)
        #expect(harness.scheduler.failed(now: harness.now) == 1000)
    }

    // MARK: A claimed file that changed while it was read

    @Test func aClaimThatChangedWhileReadIsReconciledOnlyOnceItHasSettledAgain() {
        var harness = SchedulerHarness(settle: 1000)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: true)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10)))
        harness.take("a.csv")
        let claim = FileName("a.csv.claimed")
        harness.claimed[claim] = entry(size: 20)
        harness.scheduler.importEnded(.changedWhileReading(claim), now: harness.now)
        harness.drop("b.csv", entry(size: 10), renamed: true)
        harness.actions = []
        #expect(harness.next() == .sleep(milliseconds: 250), "the pass ends")
        #expect(harness.next() == .checkClaim(claim), "looked at from the next pass on")
        harness.scheduler.examined(claim, entry(size: 20), now: harness.now)
        let firstSeen = harness.now
        #expect(harness.next() == .sleep(milliseconds: 250))
        harness.advance(milliseconds: 500)
        #expect(harness.next() == .checkClaim(claim))
        harness.claimed[claim] = entry(size: 30)  // its writer is still at it
        harness.scheduler.examined(claim, entry(size: 30), now: harness.now)
        let changedAt = harness.now
        #expect(harness.runUntilWork() == .recover)
        #expect(harness.elapsed(since: changedAt) == 1000, "a SettleTime after its last change")
        #expect(harness.elapsed(since: firstSeen) == 1500)
        #expect(!harness.actions.contains(.list), "b waits for the claim: \(harness.actions)")
        harness.scheduler.importEnded(.imported, now: harness.now)
        #expect(harness.runUntilWork() == .process(b, entry(size: 10)))
        // Done with: a later error reconciles without looking for that claim again.
        #expect(harness.scheduler.failed(now: harness.now) == 500)
        harness.actions = []
        #expect(harness.runUntilWork() == .recover)
        #expect(!harness.actions.contains(.checkClaim(claim)))
    }

    @Test func aClaimThatCannotBeLookedAtIsReconciledAtOnce() {
        var harness = SchedulerHarness()
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: true)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10)))
        harness.scheduler.importEnded(.changedWhileReading(a), now: harness.now)
        #expect(harness.next() == .sleep(milliseconds: 250))
        #expect(harness.next() == .checkClaim(a))
        harness.scheduler.examined(a, nil, now: harness.now)
        #expect(harness.next() == .recover)
    }

    @Test func aClaimThatChangedAgainDuringItsReconcileWaitsAgain() {
        var harness = SchedulerHarness(settle: 100)
        harness.claimed[a] = entry(size: 10)
        #expect(harness.next() == .recover)
        harness.scheduler.importEnded(.changedWhileReading(a), now: harness.now)
        #expect(harness.next() == .scan)
        harness.scheduler.listed([], now: harness.now)
        #expect(harness.next() == .checkClaim(a), "checked in the first pass after the start")
        harness.scheduler.examined(a, entry(size: 10), now: harness.now)
        #expect(harness.runUntilWork() == .recover)
        harness.scheduler.importEnded(.changedWhileReading(a), now: harness.now)
        harness.claimed[a] = entry(size: 11)
        let again = harness.now
        #expect(harness.runUntilWork() == .recover)
        // As before the scheduler was taken out: with nothing else settling, the first look at the
        // claim comes with the next heartbeat's wake-up, a second on.
        #expect(harness.elapsed(since: again) == 1100)
    }

    // MARK: Waking up

    @Test func theWorkerWakesAtLeastOnceASecondForTheHeartbeat() {
        var harness = SchedulerHarness(settle: 3_600_000, rescan: 86_400_000)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: false)
        #expect(harness.runUntilWork(limit: 10_000) == nil)
        let sleeps = harness.actions.compactMap { action -> Int? in
            if case .sleep(let milliseconds) = action { return milliseconds }
            return nil
        }
        #expect(sleeps.count >= 10)
        #expect(sleeps.allSatisfy { $0 == 1000 }, "\(sleeps)")
    }

    @Test func aRetryDueSoonerThanAnythingElseIsWhatTheSleepWaitsFor() {
        var harness = SchedulerHarness(settle: 10_000)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: true)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10)))
        #expect(harness.scheduler.failed(now: harness.now) == 500)
        #expect(harness.next() == .sleep(milliseconds: 500), "before the heartbeat and the next look")
    }

    @Test func aPassThatOutlastsTheRescanIntervalWakesAtOnceInsteadOfWrappingAround() {
        var harness = SchedulerHarness(settle: 1000, rescan: 1000)
        _ = harness.start()
        harness.drop("a.csv", entry(size: 10), renamed: true)
        harness.drop("b.csv", entry(size: 10), renamed: false)
        #expect(harness.runUntilWork() == .process(a, entry(size: 10)))
        harness.advance(milliseconds: 5000)  // a long import
        harness.take("a.csv")
        harness.scheduler.importEnded(.imported, now: harness.now)
        #expect(harness.next() == .examine(b))
        harness.scheduler.examined(b, entry(size: 10), now: harness.now)
        #expect(harness.next() == .idle)
        #expect(harness.next() == .sleep(milliseconds: 0), "the rescan is overdue")
        #expect(harness.next() == .scan)
    }
}
