import UserImportCore

/// The import loop's decisions, apart from its system calls: which files are candidates, when one
/// has settled, when to scan, when to retry after trouble, and how long to sleep. It never reads a
/// clock or touches the filesystem (every input carries the monotonic time, in nanoseconds), so the
/// timing rules are tested with time driven by hand.
///
/// The worker asks `nextAction(now:)` what to do, does it, and answers with the matching input;
/// a pass ends with `.sleep`, during which it passes on the inbox's events. Each pass: scan when
/// due; then, unless a back-off is running, finish what is claimed in work/ (a transient error or
/// a crash left it there: it goes before anything newer), then import every candidate that is
/// ready, oldest first.
struct InboxScheduler: Sendable {
    struct Settings: Sendable, Equatable {
        var settleTimeMilliseconds: Int
        var rescanIntervalMilliseconds: Int
    }

    enum Action: Sendable, Equatable {
        /// Finish what is claimed in work/ (`reconcile`); answer with `importEnded` or `failed`.
        case recover
        /// Look at the claimed file that changed while it was read, as it is now; answer with
        /// `examined` (nil when it cannot be looked at).
        case checkClaim(FileName)
        /// List the inbox to find files that no event announced; answer with `listed` or `failed`.
        case scan
        /// List the inbox to import the candidates in it, oldest first; answer with `listed` or `failed`.
        case list
        /// Look at a candidate as it is now; answer with `examined` (nil when it cannot be looked at).
        case examine(FileName)
        /// Import the candidate (`process`) as it was just examined; answer with `importEnded` or `failed`.
        case process(FileName, EntryInfo)
        /// Every ready candidate has been tried: nothing is in hand.
        case idle
        /// The pass is over: wait this long, or until an event or a wake-up, passing on each event
        /// with `received`.
        case sleep(milliseconds: Int)
    }

    /// How an import or a reconcile ended, short of a transient error (`failed`).
    enum ImportResult: Sendable, Equatable {
        /// Recorded (a reconcile: everything claimed was finished).
        case imported
        /// Not taken, for now or for good (`process` returned nil: a vanished file, more than one link).
        case left
        /// Stopped by request: the worker is stopping.
        case interrupted
        /// Rolled back because the claimed file changed while it was read: it stays claimed, under
        /// this name in work/, and is read again once it has settled.
        case changedWhileReading(FileName)
    }

    /// A file seen by an event or a scan and not taken yet.
    private struct Candidate: Sendable {
        /// Renamed into the inbox: complete by the dropper's word.
        var immediate: Bool
        /// Size and ctime when last looked at, and since when they have not changed.
        var observed: (size: Int, changed: Timestamp)?
        var unchangedSince: UInt64 = 0
    }

    /// A listed candidate waiting its turn in a pass, with its link count as listed.
    private struct Queued: Sendable {
        var name: FileName
        var links: Int
    }

    /// Where in a pass the scheduler is; the `…ing` phases wait for the answer to an action.
    private enum Phase: Sendable {
        /// Before the first pass: what a crash left in work/ is finished before the first scan.
        case starting
        case beginning
        case scanning(pass: UInt64)
        /// After the scan: recover, import, or (during a back-off) neither. `pass` is when the
        /// pass began, which a back-off is measured against.
        case deciding(pass: UInt64)
        case checkingClaim(FileName, pass: UInt64)
        /// `pass` is nil for the recovery at start, which the first pass follows at once.
        case recovering(pass: UInt64?)
        case listing
        case importing([Queued])
        case examining(Queued, rest: [Queued])
        case processing(Queued, EntryInfo, rest: [Queued])
        case ending
    }

    private(set) var settings: Settings
    private var phase = Phase.starting
    private var candidates: [FileName: Candidate] = [:]
    private var scanDue = true
    private var nextRescan: UInt64 = 0
    private var retryAt: UInt64 = 0
    /// Transient trouble (disk full, database busy, unreadable file): wait longer each time, up to a minute.
    private var backoff = Backoff(initialMilliseconds: 500, capMilliseconds: 60_000)
    /// A transient error left a file claimed in work/: reconcile before taking anything newer.
    private var needsRecovery = true
    /// A claimed file that changed while it was read: read again once it has settled.
    private var changedClaim: (name: FileName, candidate: Candidate)?

    init(settings: Settings) {
        self.settings = settings
    }

    /// The names waiting to be taken, for tests and diagnostics.
    var candidateNames: Set<FileName> { Set(candidates.keys) }

    // MARK: Actions

    mutating func nextAction(now: UInt64) -> Action {
        while true {
            switch phase {
            case .starting:
                phase = .recovering(pass: nil)
                return .recover
            case .recovering:
                return .recover
            case .beginning:
                if scanDue || now >= nextRescan {
                    phase = .scanning(pass: now)
                    return .scan
                }
                phase = .deciding(pass: now)
            case .scanning:
                return .scan
            case .deciding(let pass):
                guard pass >= retryAt else {
                    phase = .ending
                    continue
                }
                if needsRecovery {
                    if let claim = changedClaim {
                        phase = .checkingClaim(claim.name, pass: pass)
                        return .checkClaim(claim.name)
                    }
                    phase = .recovering(pass: pass)
                    return .recover
                }
                guard !candidates.isEmpty else {
                    phase = .ending
                    continue
                }
                phase = .listing
                return .list
            case .checkingClaim(let name, _):
                return .checkClaim(name)
            case .listing:
                return .list
            case .importing(let queue):
                guard let first = queue.first else {
                    phase = .ending
                    return .idle
                }
                phase = .examining(first, rest: Array(queue.dropFirst()))
                return .examine(first.name)
            case .examining(let queued, _):
                return .examine(queued.name)
            case .processing(let queued, let info, _):
                return .process(queued.name, info)
            case .ending:
                phase = .beginning
                return .sleep(milliseconds: wakeMilliseconds(now: now))
            }
        }
    }

    // MARK: Inputs

    /// An inotify event, during `.sleep`. The inbox going away ends the worker, so it schedules nothing.
    mutating func received(_ event: InboxWatcher.Event) {
        switch event {
        case .movedIn(let name): consider(name, immediate: true)
        case .written(let name): consider(name, immediate: false)
        case .overflow: scanDue = true
        case .inboxGone: break
        }
    }

    /// A reloaded configuration: its times apply from now on, and the inbox is scanned again.
    mutating func reloaded(_ settings: Settings) {
        self.settings = settings
        scanDue = true
    }

    /// The inbox's entries, oldest first, answering `.scan` or `.list`.
    mutating func listed(_ entries: [(name: FileName, info: EntryInfo)], now: UInt64) {
        switch phase {
        case .scanning(let pass):
            for (name, _) in entries { consider(name, immediate: false) }
            scanDue = false
            nextRescan = now + UInt64(settings.rescanIntervalMilliseconds) * 1_000_000
            phase = .deciding(pass: pass)
        case .listing:
            let present = Set(entries.map(\.name))
            candidates = candidates.filter { present.contains($0.key) }
            let waiting = entries.filter { candidates[$0.name] != nil }
            phase = .importing(waiting.map { Queued(name: $0.name, links: $0.info.links) })
        default:
            assertionFailure("listed in \(phase)")
        }
    }

    /// A file as it is now (nil: it cannot be looked at), answering `.examine` or `.checkClaim`.
    mutating func examined(_ name: FileName, _ info: EntryInfo?, now: UInt64) {
        switch phase {
        case .examining(let queued, let rest):
            guard let info, isSettled(queued.name, info, now: now) else {
                phase = .importing(rest)
                return
            }
            phase = .processing(queued, info, rest: rest)
        case .checkingClaim(_, let pass):
            if var claim = changedClaim, let info, !settled(&claim.candidate, info, now: now) {
                changedClaim = claim
                retryAt = now + settleCheckNanoseconds
                phase = .ending
                return
            }
            changedClaim = nil
            phase = .recovering(pass: pass)
        default:
            assertionFailure("examined in \(phase)")
        }
    }

    /// How `.recover` or `.process` ended, short of a transient error.
    mutating func importEnded(_ result: ImportResult, now: UInt64) {
        switch phase {
        case .recovering(let pass):
            switch result {
            case .imported, .left:
                needsRecovery = false
                phase = pass.map { .deciding(pass: $0) } ?? .beginning
            case .interrupted:
                phase = pass == nil ? .beginning : .ending
            case .changedWhileReading(let name):
                waitForSettling(name)
                phase = pass == nil ? .beginning : .ending
            }
        case .processing(let queued, _, let rest):
            switch result {
            case .imported:
                candidates[queued.name] = nil
                backoff.reset()
                phase = .importing(rest)
            case .left:
                // More than one link: looked at again until it has one.
                if queued.links <= 1 { candidates[queued.name] = nil }
                backoff.reset()
                phase = .importing(rest)
            case .interrupted:
                phase = .ending
            case .changedWhileReading(let name):
                waitForSettling(name)
                phase = .ending
            }
        default:
            assertionFailure("importEnded in \(phase)")
        }
    }

    /// A transient error in the action in hand (a listing, a reconcile, an import). Returns how
    /// many milliseconds pass before the next try, for the log and `STATUS=`.
    mutating func failed(now: UInt64) -> Int {
        let milliseconds = backoff.next()
        retryAt = now + UInt64(milliseconds) * 1_000_000
        switch phase {
        case .scanning(let pass):
            phase = .deciding(pass: pass)
        case .processing:
            // The file stays claimed in work/ and is finished before anything newer.
            needsRecovery = true
            phase = .ending
        case .recovering(let pass):
            phase = pass == nil ? .beginning : .ending
        case .listing:
            phase = .ending
        default:
            assertionFailure("failed in \(phase)")
        }
        return milliseconds
    }

    // MARK: Rules

    /// Uploads still in progress are not candidates: they wait for their rename (an event).
    private mutating func consider(_ name: FileName, immediate: Bool) {
        guard name.kind != .inProgress else { return }
        if immediate {
            candidates[name] = Candidate(immediate: true)
        } else if candidates[name] == nil {
            candidates[name] = Candidate(immediate: false)
        }
    }

    /// The claimed file is read again once it has settled, before anything newer.
    private mutating func waitForSettling(_ name: FileName) {
        changedClaim = (name, Candidate(immediate: false))
        needsRecovery = true
        retryAt = 0
    }

    /// Renamed in, or size and ctime unchanged for SettleTime by our own (monotonic) clock, so a
    /// writer that closes and reopens to append, or a server with another clock, is never read half-way.
    private mutating func isSettled(_ name: FileName, _ info: EntryInfo, now: UInt64) -> Bool {
        guard var candidate = candidates[name] else { return false }
        if candidate.immediate { return true }
        let result = settled(&candidate, info, now: now)
        candidates[name] = candidate
        return result
    }

    /// Size and ctime unchanged for SettleTime since `candidate` last saw them change.
    private func settled(_ candidate: inout Candidate, _ info: EntryInfo, now: UInt64) -> Bool {
        if let observed = candidate.observed, observed.size == info.size, observed.changed == info.changed {
            return now - candidate.unchangedSince >= UInt64(settings.settleTimeMilliseconds) * 1_000_000
        }
        candidate.observed = (info.size, info.changed)
        candidate.unchangedSince = now
        return settings.settleTimeMilliseconds == 0
    }

    /// How often a settling file is looked at again.
    private var settleCheckNanoseconds: UInt64 {
        UInt64(max(settings.settleTimeMilliseconds / 4, 10)) * 1_000_000
    }

    private func wakeMilliseconds(now: UInt64) -> Int {
        var wake = min(nextRescan, now + 1_000_000_000)  // at least once a second: heartbeat
        if !candidates.isEmpty {
            // A file settling: look again when its SettleTime may have passed.
            wake = min(wake, now + settleCheckNanoseconds)
        }
        if retryAt > now { wake = max(min(wake, retryAt), now) }
        // A pass that imported for longer than the rescan interval leaves nextRescan behind `now`:
        // wake at once, as `wake &- now` would wrap to a wait of weeks (files left unsettled in
        // that pass would never be looked at again).
        return Int((max(wake, now) - now) / 1_000_000)
    }
}
