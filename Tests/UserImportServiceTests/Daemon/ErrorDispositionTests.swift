import Testing
import UserImportService

struct ErrorDispositionTests {
    struct Transient: Error {}

    let setup = SetupError.inboxGone(path: "/s/inbox")
    let config = ConfigError(
        file: "/etc/userimportd.conf", line: 3, key: "SettleTime", message: "not a duration")

    @Test func aBadConfigurationExits2() {
        for error in [config, Transient()] as [any Error] {
            #expect(
                ErrorDisposition(for: error, during: .configuring)
                    == ErrorDisposition(level: .error, message: "bad configuration", exitCode: 2))
        }
        #expect(ErrorDisposition(for: config, during: .importingOnce).exitCode == 2)
    }

    @Test func aSetUpThatCannotWorkExits1AtCritical() {
        for error in [setup, Transient()] as [any Error] {
            #expect(
                ErrorDisposition(for: error, during: .startingUp)
                    == ErrorDisposition(level: .critical, message: "cannot start", exitCode: 1))
        }
        #expect(
            ErrorDisposition(for: setup, during: .importingOnce)
                == ErrorDisposition(level: .critical, message: "cannot start", exitCode: 1))
    }

    @Test func anyOtherErrorInOnceIsTransientAndExits75() {
        #expect(
            ErrorDisposition(for: Transient(), during: .importingOnce)
                == ErrorDisposition(
                    level: .error, message: "stopped by a transient error; the next run resumes", exitCode: 75
                ))
    }

    @Test func anErrorThatStopsTheRunningDaemonExits1AtCritical() {
        for error in [setup, Transient()] as [any Error] {
            #expect(
                ErrorDisposition(for: error, during: .running)
                    == ErrorDisposition(level: .critical, message: "daemon stopped by an error", exitCode: 1))
        }
    }
}
