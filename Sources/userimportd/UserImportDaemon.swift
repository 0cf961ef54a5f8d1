import ArgumentParser
import Glibc
import Logging
import ServiceLifecycle
import UnixSignals
import UserImportService

/// The daemon's entry point: arguments, configuration, logging, then the service group.
@main
struct UserImportDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "userimportd",
        abstract: "Imports user accounts from files dropped into an inbox folder.",
        discussion: """
            Runs in the foreground (systemd supervises it; without systemd it logs to stderr).
            Example: userimportd --state-dir ./var        (then drop files into ./var/inbox)
                     userimportd --state-dir ./var --once (import what is there, then exit)
            Exit codes: 0 stopped cleanly, 1 cannot run (set-up, another instance), 2 bad
            configuration or usage, 75 stopped by a transient error (--once; the next run resumes).
            """,
        version: ProductVersion.string)

    /// As ArgumentParser's own main, but a usage error exits 2 (its default is 64), as every
    /// other error of configuration does.
    static func main() async {
        MallocArenas.limit()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                writeAll(2, Array((fullMessage(for: error) + "\n").utf8))
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }

    @Option(help: "Configuration file (drop-ins in FILE.d/*.conf).")
    var config: String?

    @Option(
        help:
            "State directory holding inbox/, done/, failed/, work/ and userimportd.sqlite; overrides the configured paths."
    )
    var stateDir: String?

    @Flag(
        help:
            "Process every file present in the inbox, then exit (no settle wait: the caller says the files are complete)."
    )
    var once = false

    func run() async throws {
        // The database and reports hold personal data: group-readable at most, as the unit's UMask=.
        umask(0o027)
        // A mail transport that exits early must give us EPIPE, not kill the daemon.
        signal(SIGPIPE, SIG_IGN)
        // The log is not set up before the configuration says how: its errors go to stderr.
        let configuration = try await ending(
            .configuring,
            logger: Logger(label: "userimportd", factory: { _ in StderrLogHandler(level: .error) })
        ) {
            try ConfigLoader.load(path: config, stateDirectory: stateDir)
        }
        // One level for every logger, which a reload changes.
        let level = LogLevelSetting(Logger.Level(rawValue: configuration.logLevel) ?? .info)
        let journal = JournalLogHandler.stderrIsJournal
        LoggingSystem.bootstrap { _ -> any LogHandler in
            journal
                ? JournalLogHandler(identifier: "userimportd", level: level) : StderrLogHandler(level: level)
        }
        let logger = Logger(label: "userimportd")
        let lock = try await ending(.startingUp, logger: logger) {
            try StateLock(databasePath: configuration.paths.database)
        }
        defer { withExtendedLifetime(lock) {} }
        if once {
            try await ending(.importingOnce, logger: logger) {
                let pipeline = try ImportPipeline(settings: configuration.pipelineSettings, logger: logger)
                try pipeline.reconcile()
                try pipeline.processInbox()
            }
            return
        }
        // Created before the group runs, so an early SIGHUP is caught rather than fatal.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let (control, mailControl) = try await ending(.startingUp, logger: logger) {
            (try ImportControl(), try DeliveryControl())
        }
        // A progress file left by a crash would describe a file no longer in hand.
        let progressFile = ProgressFile(databasePath: configuration.paths.database)
        progressFile.remove()
        let status = StatusBoard(progressFile: progressFile)
        let notifier = SystemdNotifier()
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                // The watchdog without systemd has nothing to do and returns at once, which must not
                // end the group; the import service's end does.
                services: [
                    .init(
                        service: WatchdogService(control: control, status: status, notifier: notifier),
                        successTerminationBehavior: .ignore),
                    .init(
                        service: ReloadService(
                            signals: hangups, configPath: config, stateDirectory: stateDir,
                            running: configuration, control: control, mailControl: mailControl,
                            logLevel: level, status: status, notifier: notifier, logger: logger)),
                    .init(
                        service: DeliveryService(
                            configuration: configuration, control: mailControl, logger: logger),
                        successTerminationBehavior: .ignore),
                    .init(
                        service: ImportDaemonService(
                            configuration: configuration, control: control, status: status,
                            notifier: notifier,
                            logger: logger, mailControl: mailControl)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await ending(.running, logger: logger) {
            try await group.run()
        }
    }

    /// Runs `body`; an error from it is logged and ends the daemon as `ErrorDisposition` says.
    private func ending<T>(
        _ stage: ErrorDisposition.Stage, logger: @autoclosure () -> Logger, _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch {
            let disposition = ErrorDisposition(for: error, during: stage)
            logger().log(level: disposition.level, "\(disposition.message)", metadata: ["error": "\(error)"])
            throw ExitCode(disposition.exitCode)
        }
    }
}
