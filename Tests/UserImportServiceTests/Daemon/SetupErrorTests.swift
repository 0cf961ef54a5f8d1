import Testing
import UserImportService

/// Operators and their scripts read these lines: the text stays as it was when each was a string.
struct SetupErrorTests {
    @Test func eachSituationSaysWhatToFix() {
        #expect(
            SetupError.mixedFilesystems(deviceList: "/s/inbox (device 1), /s/done (device 2)").description
                == "inbox, done, failed and work must be on one filesystem so files move by rename; they are on "
                + "different ones: /s/inbox (device 1), /s/done (device 2)")
        #expect(
            SetupError.inboxGone(path: "/s/inbox").description
                == "the inbox /s/inbox was removed, renamed or unmounted; exiting so that the service manager "
                + "restarts userimportd on a fresh inbox")
        #expect(
            SetupError.mailTemplateUnreadable(path: "/t/invitation.txt", reason: "no Subject: line")
                .description
                == "mail template /t/invitation.txt: no Subject: line")
        #expect(
            SetupError.alreadyRunning(lockPath: "/s/userimportd.sqlite.lock").description
                == "another userimportd is already running on this state directory "
                + "(/s/userimportd.sqlite.lock is locked)")
    }

    @Test func aSecondLockOnOneStateDirectoryIsRefused() throws {
        let state = try TestStateDirectory()
        let first = try StateLock(databasePath: state.paths.database)
        #expect(throws: SetupError.alreadyRunning(lockPath: first.path)) {
            _ = try StateLock(databasePath: state.paths.database)
        }
    }
}
