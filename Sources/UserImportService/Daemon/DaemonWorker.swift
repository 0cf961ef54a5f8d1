import Glibc
import Logging
import UserImportCore
import UserImportStore

/// The import loop, on a thread of its own so that a long import never blocks the async side
/// (signals, watchdog). It owns the pipeline and the inotify watch, and does what `InboxScheduler`
/// decides: each pass rescans when due, imports every candidate that is ready (renamed in, or
/// unchanged for SettleTime), then sleeps in `poll` until the next deadline or event.
final class DaemonWorker {
    private var configuration: Configuration
    private let control: ImportControl
    private let status: StatusBoard
    private let notifier: SystemdNotifier
    private let logger: Logger
    /// Woken when an import queued emails.
    private let mailControl: DeliveryControl?

    private var scheduler: InboxScheduler
    private var prune = IdleStepSchedule()
    private var indexing = IdleStepSchedule()

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
        scheduler = InboxScheduler(settings: configuration.schedulerSettings)
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
        if let mailControl {
            pipeline.exclusiveOfSending = { body in try mailControl.exclusiveOfSending(body) }
        }
        // Watch before the first scan, so a file dropped in between is not missed.
        let watcher = try InboxWatcher(path: configuration.paths.inbox)
        if watcher.isNetworkFilesystem {
            logger.notice(
                "the inbox is on a network filesystem; files written by other hosts arrive by the periodic rescan",
                metadata: ["rescan_interval_ms": "\(configuration.rescanIntervalMilliseconds)"])
        }
        // A PostgreSQL server restarting may not answer yet: the count then starts from the
        // imports this run finishes, and the files wait for the server as any import does.
        if let count = try? pipeline.importCount(since: StatusBoard.startOfToday) {
            status.setImportsToday(count)
        }
        // Ready once the database is open and the first scan is queued; finishing what a crash left
        // in work/ (a whole file, perhaps) is already the service's work, not its start-up.
        notifier.ready(status: status.text)
        logger.info(
            "daemon started",
            metadata: [
                "message_id": "\(LogMessageID.daemonStarted)", "inbox": "\(configuration.paths.inbox)",
                "settle_time_ms": "\(configuration.settleTimeMilliseconds)",
            ])
        while !control.stopRequested {
            control.heartbeat()
            applyReload(pipeline)
            try runPass(pipeline, watcher)
        }
    }

    /// Carries out what the scheduler asks, up to and including the sleep that ends a pass; a stop
    /// request ends it before the next action.
    private func runPass(_ pipeline: ImportPipeline, _ watcher: InboxWatcher) throws {
        while !control.stopRequested {
            let action = scheduler.nextAction(now: now)
            switch action {
            case .recover:
                do {
                    for record in try pipeline.reconcile() { finished(record) }
                    scheduler.importEnded(.imported, now: now)
                } catch {
                    importStopped(by: error)
                }
                finishAbandonedWork(pipeline)
            case .checkClaim(let name):
                scheduler.examined(name, try? pipeline.claimedStatus(of: name), now: now)
            case .scan, .list:
                if case .scan = action { finishAbandonedWork(pipeline) }
                do {
                    let entries = try pipeline.waitingEntries()
                    scheduler.listed(entries, now: now)
                } catch {
                    backOff(after: error)
                }
            case .examine(let name):
                // Look again: an import before this one may have taken a while.
                scheduler.examined(name, try? pipeline.status(of: name), now: now)
            case .process(let name, let info):
                do {
                    let record = try pipeline.process(name, info: info)
                    if let record { finished(record) }
                    scheduler.importEnded(record == nil ? .left : .imported, now: now)
                } catch {
                    importStopped(by: error)
                }
            case .idle:
                status.idle()
            case .sleep(let milliseconds):
                let timeout = min(milliseconds, pruneWhileIdle(pipeline), indexWhileIdle(pipeline))
                let events = try watcher.wait(timeoutMilliseconds: timeout, wakeFD: control.wakeFD)
                control.drainWake()
                for event in events {
                    switch event {
                    case .overflow: logger.notice("inotify queue overflowed; rescanning the inbox")
                    case .inboxGone: throw SetupError.inboxGone(path: configuration.paths.inbox)
                    case .movedIn, .written: break
                    }
                    scheduler.received(event)
                }
                return
            }
        }
    }

    /// Other daemons' work left when their lease ran out, at start and at each rescan; trouble
    /// there (the server gone again, another daemon's file failing to read) does not hold up
    /// this daemon's own inbox: the next rescan tries again.
    private func finishAbandonedWork(_ pipeline: ImportPipeline) {
        do {
            for record in try pipeline.finishAbandonedWork() { finished(record) }
        } catch {
            logger.warning(
                "another daemon's work not finished now; trying again at the next rescan",
                metadata: ["error": "\(LogText.escaped(String(describing: error)))"])
        }
    }

    /// One step of pruning old row results when one is due; returns how long the sleep may last
    /// before the next.
    private func pruneWhileIdle(_ pipeline: ImportPipeline) -> Int {
        guard let keep = configuration.keepRowResultsMilliseconds else { return Int.max }
        // Rows come of age with time, not with imports: look again an hour later, or a quarter
        // of the retention when that is shorter (a test keeping rows for seconds).
        let recheck = min(Self.hourNanoseconds, UInt64(max(keep, 1000)) * 250_000)
        if prune.isDue(now: now) {
            do {
                let found = try pipeline.pruneRowResults(keepMilliseconds: keep)
                prune.stepped(foundWork: found, now: now, otherwiseAfter: recheck)
            } catch is UpkeepBusy {
                prune.stepped(foundWork: false, now: now, otherwiseAfter: Self.busyRetryNanoseconds)
            } catch {
                // Busy or full: the next idle hour tries again; imports are not held up for it.
                logger.notice("old row results not pruned now", metadata: ["error": "\(error)"])
                prune.stepped(foundWork: false, now: now, otherwiseAfter: recheck)
            }
        }
        return prune.millisecondsUntilDue(now: now)
    }

    /// One step of adding `user EMAIL`'s keys and `users --search`'s index when one is due;
    /// returns how long the sleep may last before the next.
    private func indexWhileIdle(_ pipeline: ImportPipeline) -> Int {
        if indexing.isDue(now: now) {
            do {
                // Only an import brings rows to index: after a step that found none, nothing is
                // due until the next import ends (`finished`). On a shared server other daemons'
                // imports bring rows too, and one may die, or be of an older build, before it
                // indexes them: looked for at each rescan, as their files are.
                indexing.stepped(
                    foundWork: try pipeline.indexStep(), now: now, otherwiseAfter: othersImportsLookedForAfter
                )
            } catch is UpkeepBusy {
                // Another daemon sharing the database indexes meanwhile; this one looks again
                // soon, in case that one stops before it is done.
                indexing.stepped(foundWork: false, now: now, otherwiseAfter: Self.busyRetryNanoseconds)
            } catch {
                // `user EMAIL` and `users --search` scan what is not indexed meanwhile: slower,
                // never wrong.
                logger.notice("row results not indexed now", metadata: ["error": "\(error)"])
                indexing.stepped(
                    foundWork: false, now: now,
                    otherwiseAfter: min(Self.hourNanoseconds, othersImportsLookedForAfter ?? .max))
            }
        }
        return indexing.millisecondsUntilDue(now: now)
    }

    /// On a shared server, when an idle daemon looks again for other daemons' imports to index:
    /// at each rescan. Never on the SQLite file, where every import is this daemon's.
    private var othersImportsLookedForAfter: UInt64? {
        configuration.database.backend == .postgresql
            ? UInt64(configuration.rescanIntervalMilliseconds) * 1_000_000 : nil
    }

    private static let hourNanoseconds: UInt64 = 3_600_000_000_000
    /// Upkeep another daemon holds (`UpkeepBusy`) is tried again after a minute.
    private static let busyRetryNanoseconds: UInt64 = 60_000_000_000

    /// Read afresh for every answer to the scheduler: an import may have taken a while.
    private var now: UInt64 { MonotonicClock.nanoseconds() }

    /// A file recorded by an import or a reconcile (a file read again after it changed commits
    /// in the reconcile).
    private func finished(_ record: ImportRecord) {
        status.finished(record)
        indexing.reset()
        if record.summary.counts.created + record.summary.counts.activated > 0 {
            mailControl?.nudge()
        }
    }

    private func importStopped(by error: Error) {
        switch ImportStop(error) {
        case .interrupted:
            scheduler.importEnded(.interrupted, now: now)
        case .changedWhileReading(let file):
            // The file in hand was rolled back; it stays claimed.
            logger.warning(
                "file changed while it was being read; importing it again once it has settled",
                metadata: [
                    "file": "\(LogText.escaped(file.display))",
                    "settle_time_ms": "\(configuration.settleTimeMilliseconds)",
                ])
            scheduler.importEnded(.changedWhileReading(file), now: now)
            status.idle()
        case .transient:
            backOff(after: error)
        }
    }

    /// Transient trouble (disk full, database busy, unreadable file): the scheduler says how long to wait.
    private func backOff(after error: Error) {
        let milliseconds = scheduler.failed(now: now)
        logger.error(
            "import stopped by an error; will retry",
            metadata: [
                "error": "\(LogText.escaped(String(describing: error)))",
                "retry_in_ms": "\(milliseconds)",
            ])
        status.retrying(in: milliseconds, after: LogText.escaped(String(describing: error)))
    }

    private func applyReload(_ pipeline: ImportPipeline) {
        // The paths stay as they were (the reload logged any change as needing a restart).
        guard var new = control.takeNewConfiguration() else { return }
        new.paths = configuration.paths
        configuration = new
        pipeline.update(
            options: new.options, maxFileSize: new.maxFileSize, duplicatePolicy: new.duplicatePolicy)
        scheduler.reloaded(new.schedulerSettings)
        prune.reset()
        notifier.ready(status: status.text)
    }
}

extension Configuration {
    var schedulerSettings: InboxScheduler.Settings {
        InboxScheduler.Settings(
            settleTimeMilliseconds: settleTimeMilliseconds,
            rescanIntervalMilliseconds: rescanIntervalMilliseconds)
    }
}
