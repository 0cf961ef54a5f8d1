import Logging
import ServiceLifecycle

/// Delivers the outbox through the configured transport, beside (never in the way of) imports.
/// With transport `none` it waits for a reload that names one, or for the stop.
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
        let backend = configuration.database
        let maildir = ImportPipeline.parent(database) + "/mail"
        try await runOnOwnThread(control.signal) { [control, logger] in
            try DeliveryWorker(
                settings: mail, databasePath: database, database: backend, defaultMaildirPath: maildir,
                control: control, logger: logger
            ).run()
        }
    }
}
