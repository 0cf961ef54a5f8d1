import Logging
import ServiceLifecycle
import UnixSignals

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
