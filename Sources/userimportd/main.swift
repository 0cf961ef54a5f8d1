import ArgumentParser
import Glibc
import Logging
import UserImportService

/// The daemon's entry point: parse arguments, set up logging, run. No business logic here.
struct UserImportDaemon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "userimportd",
        abstract: "Imports user accounts from files dropped into an inbox folder.",
        discussion: """
            Example: userimportd --state-dir ./var --once
            imports every file in ./var/inbox, moves each to ./var/done or ./var/failed with a
            report beside it, and exits.
            """)

    @Option(help: "State directory holding inbox/, done/, failed/, work/ and userimportd.sqlite.")
    var stateDir: String = "/var/lib/userimportd"

    @Flag(help: "Process every file present in the inbox, then exit (for scripts, timers and tests).")
    var once = false

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "userimportd")
        let settings = PipelineSettings(paths: StatePaths(stateDirectory: stateDir))
        do {
            let pipeline = try ImportPipeline(settings: settings, logger: logger)
            try pipeline.reconcile()
            try pipeline.processInbox()
        } catch let error as SetupError {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        } catch {
            // Disk full, database busy, unreadable file: nothing is lost, the next run finishes the work.
            logger.error(
                "stopped by a transient error; the next run resumes", metadata: ["error": "\(error)"])
            throw ExitCode(75)
        }
    }
}

UserImportDaemon.main()
