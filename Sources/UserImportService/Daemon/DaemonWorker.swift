import Glibc
import Logging
import UserImportCore

/// The import loop, on a thread of its own so that a long import never blocks the async side
/// (signals, watchdog). It owns the pipeline and the inotify watch.
///
/// Each pass: take events, rescan when due, import every candidate that is ready (renamed in, or
/// unchanged for SettleTime), then sleep in `poll` until the next deadline or event.
final class DaemonWorker {
    private var configuration: Configuration
    private let control: ImportControl
    private let status: StatusBoard
    private let notifier: SystemdNotifier
    private let logger: Logger
    /// Woken when an import queued emails.
    private let mailControl: DeliveryControl?

    /// A file seen by an event or a scan and not taken yet.
    private struct Candidate {
        /// Renamed into the inbox: complete by the dropper's word.
        var immediate: Bool
        /// Size and ctime when last looked at, and since when (monotonic) they have not changed.
        var observed: (size: Int, changed: Timestamp)?
        var unchangedSince: UInt64 = 0
    }

    private var candidates: [FileName: Candidate] = [:]
    private var scanDue = true
    private var nextRescan: UInt64 = 0
    private var retryAt: UInt64 = 0
    private var backoffMilliseconds = 0
    /// A transient error left a file claimed in work/: reconcile before taking anything newer.
    private var needsRecovery = true
    /// A claimed file that changed while it was read: read again once it has settled.
    private var changedClaim: (name: FileName, candidate: Candidate)?

    init(
        configuration: Configuration, control: ImportControl, status: StatusBoard, notifier: SystemdNotifier,
        logger: Logger, mailControl: DeliveryControl?
    ) {
        self.configuration = configuration
        self.control = control
        self.status = status
        self.notifier = notifier
        self.logger = logger
        self.mailControl = mailControl
    }

    func run() throws {
        let pipeline = try ImportPipeline(settings: configuration.pipelineSettings, logger: logger)
        mailControl?.markDatabaseReady()
        pipeline.shouldStop = { [control] in control.stopRequested }
        pipeline.onProgress = { [control, status] file, read, size in
            control.heartbeat()
            status.importing(file, bytesRead: read, size: size)
        }
        pipeline.onBusy = { [control] in control.heartbeat() }
        // Watch before the first scan, so a file dropped in between is not missed.
        let watcher = try InboxWatcher(path: configuration.paths.inbox)
        if watcher.isNetworkFilesystem {
            logger.notice(
                "the inbox is on a network filesystem; files written by other hosts arrive by the periodic rescan",
                metadata: ["rescan_interval_ms": "\(configuration.rescanIntervalMilliseconds)"])
        }
        status.setImportsToday(try pipeline.importCount(since: StatusBoard.startOfToday))
        // Ready once the database is open and the first scan is queued; finishing what a crash left
        // in work/ (a whole file, perhaps) is already the service's work, not its start-up.
        notifier.ready(status: status.text)
        logger.info(
            "daemon started",
            metadata: [
                "message_id": "\(LogMessageID.daemonStarted)", "inbox": "\(configuration.paths.inbox)",
                "settle_time_ms": "\(configuration.settleTimeMilliseconds)",
            ])
        recoverIfNeeded(pipeline)
        while !control.stopRequested {
            control.heartbeat()
            applyReload(pipeline)
            let now = MonotonicClock.nanoseconds()
            if scanDue || now >= nextRescan { scan(pipeline) }
            if now >= retryAt {
                recoverIfNeeded(pipeline)
                if !needsRecovery { processReady(pipeline) }
            }
            let events = try watcher.wait(timeoutMilliseconds: nextWakeMilliseconds(), wakeFD: control.wakeFD)
            control.drainWake()
            for event in events {
                switch event {
                case .movedIn(let name): consider(name, immediate: true)
                case .written(let name): consider(name, immediate: false)
                case .overflow:
                    logger.notice("inotify queue overflowed; rescanning the inbox")
                    scanDue = true
                case .inboxGone:
                    throw SetupError(
                        "the inbox \(configuration.paths.inbox) was removed, renamed or unmounted; "
                            + "exiting so that the service manager restarts userimportd on a fresh inbox")
                }
            }
        }
    }

    /// Finishes what a crash or a transient error left in the work folder.
    private func recoverIfNeeded(_ pipeline: ImportPipeline) {
        guard needsRecovery else { return }
        if var claim = changedClaim {
            if let info = try? pipeline.claimedStatus(of: claim.name), !settled(&claim.candidate, info) {
                changedClaim = claim
                retryAt = MonotonicClock.nanoseconds() + settleCheckNanoseconds
                return
            }
            changedClaim = nil
        }
        do {
            for record in try pipeline.reconcile() {
                status.finished(record)
                // A file read again after it changed commits here, not in processReady.
                if record.summary.counts.created + record.summary.counts.activated > 0 {
                    mailControl?.nudge()
                }
            }
            needsRecovery = false
        } catch is ImportInterrupted {
            return
        } catch let error as FileChangedWhileReading {
            waitForSettling(error)
        } catch {
            backOff(after: error)
        }
    }

    /// The file in hand was rolled back because it changed while being read; it stays claimed.
    private func waitForSettling(_ error: FileChangedWhileReading) {
        logger.warning(
            "file changed while it was being read; importing it again once it has settled",
            metadata: [
                "file": "\(LogText.escaped(error.file.display))",
                "settle_time_ms": "\(configuration.settleTimeMilliseconds)",
            ])
        changedClaim = (error.file, Candidate(immediate: false))
        needsRecovery = true
        retryAt = 0
        status.idle()
    }

    /// Uploads still in progress are not candidates: they wait for their rename (an event).
    private func consider(_ name: FileName, immediate: Bool) {
        guard name.kind != .inProgress else { return }
        if immediate {
            candidates[name] = Candidate(immediate: true)
        } else if candidates[name] == nil {
            candidates[name] = Candidate(immediate: false)
        }
    }

    /// The inbox listing, or nil (and a back-off) when it cannot be read.
    private func listInbox(_ pipeline: ImportPipeline) -> [(name: FileName, info: EntryInfo)]? {
        do {
            return try pipeline.waitingEntries()
        } catch {
            backOff(after: error)
            return nil
        }
    }

    private func scan(_ pipeline: ImportPipeline) {
        guard let entries = listInbox(pipeline) else { return }
        for (name, _) in entries { consider(name, immediate: false) }
        scanDue = false
        nextRescan =
            MonotonicClock.nanoseconds() + UInt64(configuration.rescanIntervalMilliseconds)
            * 1_000_000
    }

    /// Imports every candidate that is ready, oldest first; leaves the others for a later pass.
    private func processReady(_ pipeline: ImportPipeline) {
        guard !candidates.isEmpty, let entries = listInbox(pipeline) else { return }
        let present = Set(entries.map(\.name))
        candidates = candidates.filter { present.contains($0.key) }
        for (name, listed) in entries where candidates[name] != nil {
            if control.stopRequested { return }
            // Look again: an import before this one may have taken a while.
            guard let info = try? pipeline.status(of: name), isSettled(name, info) else { continue }
            do {
                if let record = try pipeline.process(name, info: info) {
                    status.finished(record)
                    if record.summary.counts.created + record.summary.counts.activated > 0 {
                        mailControl?.nudge()
                    }
                    candidates[name] = nil
                } else if listed.links <= 1 {
                    candidates[name] = nil
                }
                backoffMilliseconds = 0
            } catch is ImportInterrupted {
                return
            } catch let error as FileChangedWhileReading {
                waitForSettling(error)
                return
            } catch {
                // The file stays claimed in work/ and is finished before anything newer.
                backOff(after: error)
                needsRecovery = true
                return
            }
        }
        status.idle()
    }

    /// Renamed in, or size and ctime unchanged for SettleTime by our own (monotonic) clock, so a
    /// writer that closes and reopens to append, or a server with another clock, is never read half-way.
    private func isSettled(_ name: FileName, _ info: EntryInfo) -> Bool {
        guard var candidate = candidates[name] else { return false }
        if candidate.immediate { return true }
        let result = settled(&candidate, info)
        candidates[name] = candidate
        return result
    }

    /// Size and ctime unchanged for SettleTime since `candidate` last saw them change.
    private func settled(_ candidate: inout Candidate, _ info: EntryInfo) -> Bool {
        let now = MonotonicClock.nanoseconds()
        if let observed = candidate.observed, observed.size == info.size, observed.changed == info.changed {
            return now - candidate.unchangedSince >= UInt64(configuration.settleTimeMilliseconds) * 1_000_000
        }
        candidate.observed = (info.size, info.changed)
        candidate.unchangedSince = now
        return configuration.settleTimeMilliseconds == 0
    }

    /// How often a settling file is looked at again.
    private var settleCheckNanoseconds: UInt64 {
        UInt64(max(configuration.settleTimeMilliseconds / 4, 10)) * 1_000_000
    }

    /// Transient trouble (disk full, database busy, unreadable file): wait longer each time, up to a minute.
    private func backOff(after error: Error) {
        backoffMilliseconds = min(max(backoffMilliseconds * 2, 500), 60_000)
        retryAt = MonotonicClock.nanoseconds() + UInt64(backoffMilliseconds) * 1_000_000
        logger.error(
            "import stopped by an error; will retry",
            metadata: [
                "error": "\(LogText.escaped(String(describing: error)))",
                "retry_in_ms": "\(backoffMilliseconds)",
            ])
        status.retrying(in: backoffMilliseconds, after: LogText.escaped(String(describing: error)))
    }

    private func nextWakeMilliseconds() -> Int {
        let now = MonotonicClock.nanoseconds()
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

    private func applyReload(_ pipeline: ImportPipeline) {
        guard let new = control.takeNewConfiguration() else { return }
        if new.paths != configuration.paths {
            logger.warning("paths changed in the configuration; they take effect at the next restart")
        }
        var applied = new
        applied.paths = configuration.paths
        configuration = applied
        pipeline.update(
            options: applied.options, maxFileSize: applied.maxFileSize,
            duplicatePolicy: applied.duplicatePolicy)
        scanDue = true
        logger.info("configuration reloaded")
        notifier.ready(status: status.text)
    }
}
