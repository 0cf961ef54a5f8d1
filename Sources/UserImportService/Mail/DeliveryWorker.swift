import Foundation
import Logging
import UserImportCore
import UserImportPostgres
import UserImportStore

/// Sends queued emails on a thread of its own, so a slow relay never holds up an import.
///
/// Retries with exponential back-off (RetryInterval doubling, at most an hour) up to MaxAttempts,
/// then marks the email failed. At most MaxPerMinute messages leave per minute. Outcomes are
/// recorded in batches (at least once a second). Delivery is at least once: a crash between
/// handing a message over and recording it sends it once more, with the same Message-ID (Maildir
/// delivery detects even that and delivers once).
final class DeliveryWorker {
    private var settings: MailSettings
    private let databasePath: String
    private let database: DatabaseSettings
    private var maildirPath: String
    /// Where mail goes when `[Mail] Maildir` is unset: `<state dir>/mail`.
    private let defaultMaildirPath: String
    private let control: DeliveryControl
    private let logger: Logger
    private var sentTimes: [UInt64] = []

    init(
        settings: MailSettings, databasePath: String, database: DatabaseSettings = DatabaseSettings(),
        defaultMaildirPath: String, control: DeliveryControl, logger: Logger
    ) {
        self.settings = settings
        self.databasePath = databasePath
        self.database = database
        self.maildirPath = settings.maildir ?? defaultMaildirPath
        self.defaultMaildirPath = defaultMaildirPath
        self.control = control
        self.logger = logger
    }

    static func templates(from folder: String) throws -> [NotificationKind: MailTemplate] {
        var result: [NotificationKind: MailTemplate] = [
            .invitation: .defaultInvitation, .activation: .defaultActivation,
        ]
        for kind in NotificationKind.allCases {
            let path = folder + "/" + kind.rawValue + ".txt"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                result[kind] = try MailTemplate(parsing: try String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw SetupError.mailTemplateUnreadable(path: path, reason: "\(error)")
            }
        }
        return result
    }

    /// The transport and templates the settings name; nil for transport `none`.
    private struct Means {
        let transport: MailTransport
        let templates: [NotificationKind: MailTemplate]

        init?(_ settings: MailSettings, maildirPath: String) throws {
            switch settings.transport {
            case .none: return nil
            case .maildir: transport = try MaildirTransport(path: maildirPath)
            case .sendmail: transport = SendmailTransport(path: settings.sendmail)
            }
            templates = try DeliveryWorker.templates(from: settings.templates)
        }
    }

    func run() throws {
        var means = try Means(settings, maildirPath: maildirPath)
        if means == nil { logger.notice("mail transport is none: emails stay pending in the outbox") }
        // Its own connection: delivery must never wait for the import thread, and WAL lets this
        // reader run while an import writes; its small updates wait out the import's commit.
        guard let queue = openQueue() else { return }
        var readRetry = Backoff(initialMilliseconds: 50, capMilliseconds: 30_000)
        while !control.stopRequested {
            if let new = control.takeNewSettings() { means = reload(new, keeping: means) }
            guard let means else {
                // Transport none: nothing to do until a reload names a transport, or a stop.
                control.sleep(milliseconds: 60_000)
                continue
            }
            let batch: [PendingMail]
            do {
                batch = try queue.due(now: SystemClock.now(), limit: 100)
                readRetry.reset()
            } catch {
                let retryDelay = readRetry.next()
                // Busy is an import's long commit and passes. A corrupt block holds up every email
                // queued after it until an operator acts: said at error, with back-off.
                logger.log(
                    level: error is StoreError ? .error : .debug, "outbox cannot be read now",
                    metadata: ["error": "\(error)", "retry_in_ms": "\(retryDelay)"])
                control.sleep(milliseconds: retryDelay)
                continue
            }
            var outcomes: [OutboxQueue.Outcome] = []
            var tally = DeliveryTally()
            var lastRecorded = MonotonicClock.nanoseconds()
            for mail in batch {
                // What was sent is recorded before a wait for the rate limit (up to a minute), not
                // after it: a crash meanwhile would send it again, and `outbox` would say pending.
                if !outcomes.isEmpty && sentTimes.count >= settings.maxPerMinute {
                    persist { try queue.record(outcomes) }
                    outcomes = []
                    lastRecorded = MonotonicClock.nanoseconds()
                }
                waitForRateLimit()
                // A reload takes effect before the next email, not after the batch.
                if control.stopRequested || control.reloadPending { break }
                // Looked at again just before sending, under the lock an undo commits under (and,
                // on PostgreSQL, holding the email's row against another host's undo): an email
                // cancelled since the batch was read is skipped.
                let sent = try? control.exclusiveOfSending { () -> OutboxQueue.Outcome? in
                    try queue.whilePending(id: mail.id) {
                        send(mail, through: means.transport, templates: means.templates)
                    }
                }
                guard let outcome = sent ?? nil else { continue }
                tally.count(outcome)
                outcomes.append(outcome)
                // Record at least every second, so a crash re-sends little.
                if MonotonicClock.nanoseconds() - lastRecorded > 1_000_000_000 {
                    persist { try queue.record(outcomes) }
                    outcomes = []
                    lastRecorded = MonotonicClock.nanoseconds()
                }
            }
            persist { try queue.record(outcomes) }
            tally.log(to: logger, transport: settings.transport.rawValue)
            if batch.isEmpty { sleepUntilDue(queue) }
        }
    }

    /// New settings from a reload, with the templates read again; settings that cannot be used
    /// (a template that does not parse, a maildir that cannot be made) leave the old ones in force.
    private func reload(_ new: MailSettings, keeping old: Means?) -> Means? {
        do {
            let means = try Means(new, maildirPath: new.maildir ?? defaultMaildirPath)
            settings = new
            maildirPath = new.maildir ?? defaultMaildirPath
            if means == nil { logger.notice("mail transport is none: emails stay pending in the outbox") }
            return means
        } catch {
            logger.error(
                "mail settings not reloaded; the previous ones stay in force", metadata: ["error": "\(error)"]
            )
            return old
        }
    }

    /// The import thread creates and migrates the database at start-up; delivery opens its own
    /// connection only once that is done (a second open meanwhile can meet the migration's lock).
    private func openQueue() -> (any DeliveryQueue)? {
        while !control.stopRequested && !control.databaseReady { control.sleep(milliseconds: 1000) }
        // PostgreSQL: the queue connects when first used, and again after losing the server.
        if database.backend == .postgresql { return PostgresOutboxQueue(url: database.url) }
        var retry = Backoff(initialMilliseconds: 50, capMilliseconds: 2000)
        while !control.stopRequested {
            do {
                return OutboxQueue(database: try ImportDatabase(path: databasePath))
            } catch {
                logger.debug("outbox database not ready yet", metadata: ["error": "\(error)"])
                control.sleep(milliseconds: retry.next())
            }
        }
        return nil
    }

    private func send(
        _ mail: PendingMail, through transport: MailTransport, templates: [NotificationKind: MailTemplate]
    ) -> OutboxQueue.Outcome {
        let now = SystemClock.now()
        let template = templates[mail.kind] ?? .defaultInvitation
        let message = MailMessage(
            outboxID: mail.id, kind: mail.kind, user: mail.user, template: template, from: settings.from,
            date: now)
        let attempts = mail.attempts + 1
        let metadata: Logger.Metadata = [
            "outbox_id": "\(mail.id)", "kind": "\(mail.kind.rawValue)", "attempts": "\(attempts)",
        ]
        do {
            try transport.deliver(message, outboxID: mail.id)
            sentTimes.append(MonotonicClock.nanoseconds())
            logger.debug("email sent", metadata: metadata)
            return .sent(id: mail.id, attempts: attempts, at: SystemClock.now())
        } catch {
            let reason = String(describing: error)
            if attempts >= settings.maxAttempts {
                logger.warning(
                    "email delivery failed for good",
                    metadata: metadata.merging(["error": "\(reason)"]) { $1 })
                return .failed(id: mail.id, attempts: attempts, error: reason)
            }
            // The schedule stops growing at the 21st attempt, as it always has: that is short of the
            // hour only for a RetryInterval under 4 ms.
            let delay = Int64(
                Backoff(initialMilliseconds: settings.retryIntervalMilliseconds, capMilliseconds: 3_600_000)
                    .delay(forFailure: min(attempts, 21)))
            logger.debug(
                "email delivery failed; will retry",
                metadata: metadata.merging(["error": "\(reason)", "retry_in_ms": "\(delay)"]) { $1 })
            return .retry(
                id: mail.id, attempts: attempts,
                next: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + delay), error: reason)
        }
    }

    /// An outcome must be recorded even while an import holds the write lock for a while, and
    /// even when a stop is asked meanwhile (else a sent email would be sent again): it gives up only
    /// after trying for 20 s past a stop request.
    private func persist(_ write: () throws -> Void) {
        var retry = Backoff(initialMilliseconds: 50, capMilliseconds: 2000)
        var stopSeen: UInt64?
        while true {
            do {
                try write()
                return
            } catch {
                if control.stopRequested {
                    let now = MonotonicClock.nanoseconds()
                    if now - (stopSeen ?? now) > 20_000_000_000 { return }
                    stopSeen = stopSeen ?? now
                }
                logger.debug("outbox update postponed", metadata: ["error": "\(error)"])
                usleep(UInt32(retry.next()) * 1000)
            }
        }
    }

    private func waitForRateLimit() {
        let window: UInt64 = 60_000_000_000
        while !control.stopRequested {
            let now = MonotonicClock.nanoseconds()
            sentTimes.removeAll { now - $0 >= window }
            guard sentTimes.count >= settings.maxPerMinute, let oldest = sentTimes.first else { return }
            control.sleep(milliseconds: Int((oldest + window - now) / 1_000_000) + 1)
        }
    }

    private func sleepUntilDue(_ queue: any DeliveryQueue) {
        var milliseconds = 30_000
        if let due = try? queue.nextDue() {
            milliseconds = Int(
                max(0, min(due.millisecondsSinceEpoch - SystemClock.now().millisecondsSinceEpoch, 30_000)))
        }
        control.sleep(milliseconds: max(milliseconds, 10))
    }
}

/// One line per batch of up to 100 emails, not one per email: a million invitations must not
/// flood the journal at info. Each email's own line is at debug (a failure for good at warning).
struct DeliveryTally {
    var sent = 0
    var retrying = 0
    var failed = 0
    var lastError: String?

    mutating func count(_ outcome: OutboxQueue.Outcome) {
        switch outcome {
        case .sent: sent += 1
        case .retry(_, _, _, let error):
            retrying += 1
            lastError = error
        case .failed(_, _, let error):
            failed += 1
            lastError = error
        }
    }

    func log(to logger: Logger, transport: String) {
        guard sent + retrying + failed > 0 else { return }
        var metadata: Logger.Metadata = [
            "emails_sent": "\(sent)", "emails_retrying": "\(retrying)", "emails_failed": "\(failed)",
            "transport": "\(transport)",
        ]
        if let lastError { metadata["error"] = "\(lastError)" }
        logger.log(
            level: retrying + failed > 0 ? .notice : .info,
            retrying + failed > 0 ? "emails delivered, some failed" : "emails delivered", metadata: metadata)
    }
}

/// The outbox as delivery sees it, on either backend.
protocol DeliveryQueue {
    func due(now: Timestamp, limit: Int) throws -> [PendingMail]
    func record(_ outcomes: [OutboxQueue.Outcome]) throws
    /// Runs `send` if the email is still pending, as one step against an undo's cancellation.
    func whilePending<T>(id: Int64, _ send: () throws -> T) throws -> T?
    func nextDue() throws -> Timestamp?
}

extension OutboxQueue: DeliveryQueue {}
extension PostgresOutboxQueue: DeliveryQueue {}
