import Logging
import ServiceLifecycle

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
