import Logging

/// How an error ends the daemon: the level it is logged at, what the line says, and the exit code
/// (those `userimportd --help` lists), decided in one place for every way the daemon can end.
/// Scripts and the service manager go by the code: 2 is a configuration to fix, 1 a set-up to
/// fix (a restart alone does not help), 75 trouble that a later run gets past.
public struct ErrorDisposition: Sendable, Equatable {
    /// What the daemon was doing when the error came.
    public enum Stage: Sendable {
        /// Reading the configuration (the log is not set up yet).
        case configuring
        /// Taking the state lock and setting up the services.
        case startingUp
        /// `--once`: importing what is in the inbox.
        case importingOnce
        /// The service group, running until stopped.
        case running
    }

    public var level: Logger.Level
    public var message: String
    public var exitCode: Int32

    public init(level: Logger.Level, message: String, exitCode: Int32) {
        self.level = level
        self.message = message
        self.exitCode = exitCode
    }

    public init(for error: any Error, during stage: Stage) {
        switch stage {
        case _ where error is ConfigError, .configuring:
            self.init(level: .error, message: "bad configuration", exitCode: 2)
        case .running:
            self.init(level: .critical, message: "daemon stopped by an error", exitCode: 1)
        case .startingUp:
            self.init(level: .critical, message: "cannot start", exitCode: 1)
        case .importingOnce where error is SetupError:
            self.init(level: .critical, message: "cannot start", exitCode: 1)
        case .importingOnce:
            // Disk full, database busy, unreadable file: nothing is lost, the next run finishes the work.
            self.init(
                level: .error, message: "stopped by a transient error; the next run resumes", exitCode: 75)
        }
    }
}
