import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP: re-read the configuration and apply every key that can change without a restart (the
/// import and guard settings, mail, the log level); a key that needs a restart (a path) is logged
/// as such, one warning per key, and keeps its old value. A bad file is logged and the old
/// configuration stays in force.
public struct ReloadService: Service {
    let signals: UnixSignalsSequence
    let configPath: String?
    let stateDirectory: String?
    let running: Configuration
    let control: ImportControl
    let mailControl: DeliveryControl
    let logLevel: LogLevelSetting
    let status: StatusBoard
    let notifier: SystemdNotifier
    let logger: Logger

    public init(
        signals: UnixSignalsSequence, configPath: String?, stateDirectory: String?, running: Configuration,
        control: ImportControl, mailControl: DeliveryControl, logLevel: LogLevelSetting, status: StatusBoard,
        notifier: SystemdNotifier, logger: Logger
    ) {
        self.signals = signals
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.running = running
        self.control = control
        self.mailControl = mailControl
        self.logLevel = logLevel
        self.status = status
        self.notifier = notifier
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var inForce = running
            for await _ in signals {
                notifier.reloading()
                let loaded: Configuration
                do {
                    loaded = try ConfigLoader.load(path: configPath, stateDirectory: stateDirectory)
                } catch {
                    logger.error(
                        "configuration not reloaded; the previous one stays in force",
                        metadata: ["error": "\(error)"])
                    notifier.ready(status: status.text)
                    continue
                }
                var read = loaded
                do {
                    // Checked here, so what the log calls applied is what delivery will use.
                    _ = try DeliveryWorker.templates(from: read.mail.templates)
                } catch {
                    logger.error(
                        "mail settings not reloaded; the previous ones stay in force",
                        metadata: ["error": "\(error)"])
                    read.mail = inForce.mail
                }
                let change = ConfigurationChange(from: inForce, to: read)
                inForce = change.inForce
                apply(change)
            }
        }
    }

    private func apply(_ change: ConfigurationChange) {
        for key in change.needsRestart {
            logger.warning(
                "configuration key changed; it takes effect at the next restart",
                metadata: ["key": "\(key.name)", "value": "\(key.new)", "in_force": "\(key.old)"])
        }
        logLevel.set(Logger.Level(rawValue: change.inForce.logLevel) ?? .info)
        // Always: the templates may have changed on disk without a key changing.
        mailControl.reload(change.inForce.mail)
        // The import worker takes the rest before its next file and then tells systemd it is ready.
        control.reload(change.inForce)
        logger.info(
            "configuration reloaded",
            metadata: [
                "changed": "\(change.applied.map(\.name).joined(separator: ", "))",
                "restart_needed": "\(change.needsRestart.map(\.name).joined(separator: ", "))",
            ])
    }
}
