import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The import loop as a `Service`: runs `DaemonWorker` on its own thread and asks it to stop
/// (finishing or rolling back the file in hand) on graceful shutdown.
public struct ImportDaemonService: Service {
    let configuration: Configuration
    let control: ImportControl
    let status: StatusBoard
    let notifier: SystemdNotifier
    let logger: Logger
    let mailControl: DeliveryControl?

    public init(
        configuration: Configuration, control: ImportControl, status: StatusBoard, notifier: SystemdNotifier,
        logger: Logger, mailControl: DeliveryControl? = nil
    ) {
        self.configuration = configuration
        self.control = control
        self.status = status
        self.notifier = notifier
        self.logger = logger
        self.mailControl = mailControl
    }

    public func run() async throws {
        try await runOnOwnThread(control.signal) { [notifier, logger] in
            notifier.stopping()
            logger.info("daemon stopping", metadata: ["message_id": "\(LogMessageID.daemonStopping)"])
        } body: { [configuration, control, status, notifier, logger, mailControl] in
            try DaemonWorker(
                configuration: configuration, control: control, status: status, notifier: notifier,
                logger: logger, mailControl: mailControl
            ).run()
        }
    }
}

/// Runs a blocking loop on a thread of its own and waits for it without blocking the
/// cooperative pool (SQLite and process spawning block). A graceful shutdown runs `onShutdown`
/// and asks the loop to stop; so does cancellation (the group ending because another service ended).
func runOnOwnThread(
    _ signal: WorkerSignal, onShutdown: @escaping @Sendable () -> Void = {},
    body: @escaping @Sendable () throws -> Void
) async throws {
    try await withGracefulShutdownHandler {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                Thread.detachNewThread {
                    do {
                        try body()
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        } onCancel: {
            signal.requestStop()
        }
    } onGracefulShutdown: {
        onShutdown()
        signal.requestStop()
    }
}

/// Delivers the outbox through the configured transport, beside (never in the way of) imports.
public struct DeliveryService: Service {
    let configuration: Configuration
    let control: DeliveryControl
    let logger: Logger

    public init(configuration: Configuration, control: DeliveryControl, logger: Logger) {
        self.configuration = configuration
        self.control = control
        self.logger = logger
    }

    public func run() async throws {
        let mail = configuration.mail
        let database = configuration.paths.database
        let maildir = mail.maildir ?? ImportPipeline.parent(database) + "/mail"
        guard mail.transport != .none else {
            logger.notice("mail transport is none: emails stay pending in the outbox")
            // Returning would end the whole group: wait for the shutdown like the others.
            return try await gracefulShutdown()
        }
        try await runOnOwnThread(control.signal) { [control, logger] in
            try DeliveryWorker(
                settings: mail, databasePath: database, maildirPath: maildir, control: control, logger: logger
            ).run()
        }
    }
}

/// Pings the systemd watchdog while the import worker is alive, and keeps `STATUS=` current
/// during long imports. A stuck worker stops the pings, and systemd restarts us.
public struct WatchdogService: Service {
    let control: ImportControl
    let status: StatusBoard
    let notifier: SystemdNotifier

    public init(control: ImportControl, status: StatusBoard, notifier: SystemdNotifier) {
        self.control = control
        self.status = status
        self.notifier = notifier
    }

    public func run() async throws {
        guard notifier.isActive else { return try await gracefulShutdown() }
        let interval = notifier.watchdogInterval
        await cancelWhenGracefulShutdown {
            var lastPing = MonotonicClock.nanoseconds()
            var lastStatus = ""
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let text = status.text
                if text != lastStatus {
                    notifier.status(text)
                    lastStatus = text
                }
                guard let interval else { continue }
                let now = MonotonicClock.nanoseconds()
                if now - lastPing >= interval && control.nanosecondsSinceHeartbeat < interval {
                    notifier.watchdog()
                    lastPing = now
                }
            }
        }
    }
}

/// SIGHUP: re-read the configuration; a bad one is logged and the old one stays in force.
public struct ReloadService: Service {
    let signals: UnixSignalsSequence
    let configPath: String?
    let stateDirectory: String?
    let control: ImportControl
    let status: StatusBoard
    let notifier: SystemdNotifier
    let logger: Logger

    public init(
        signals: UnixSignalsSequence, configPath: String?, stateDirectory: String?, control: ImportControl,
        status: StatusBoard, notifier: SystemdNotifier, logger: Logger
    ) {
        self.signals = signals
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.control = control
        self.status = status
        self.notifier = notifier
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                notifier.reloading()
                do {
                    control.reload(try ConfigLoader.load(path: configPath, stateDirectory: stateDirectory))
                } catch {
                    logger.error(
                        "configuration not reloaded; the previous one stays in force",
                        metadata: ["error": "\(error)"])
                    notifier.ready(status: status.text)
                }
            }
        }
    }
}
