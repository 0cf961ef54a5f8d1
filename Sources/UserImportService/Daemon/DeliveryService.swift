import Logging
import ServiceLifecycle

/// Delivers the outbox through the configured transport, beside (never in the way of) imports.
/// With transport `none` it returns at once: run it with `successTerminationBehavior: .ignore`.
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
            return
        }
        try await runOnOwnThread(control.signal) { [control, logger] in
            try DeliveryWorker(
                settings: mail, databasePath: database, maildirPath: maildir, control: control, logger: logger
            ).run()
        }
    }
}
