import Glibc
import UserImportCore

/// Crash and stall points for the end-to-end tests, compiled into debug builds only.
///
/// `USERIMPORTD_TEST_KILL_AT=<step>` sends the process SIGKILL at that step boundary of the
/// pipeline; `USERIMPORTD_TEST_STALL_TOKEN=<path>` stalls the import in hand forever if that
/// file can be removed (once: the restarted daemon finds no token);
/// `USERIMPORTD_TEST_PAUSE_TOKEN=<path>` pauses an import that has read its file to the end, before
/// it commits, if that file can be removed, until `<path>.resume` exists (a test changes the file
/// meanwhile), or at the step `USERIMPORTD_TEST_PAUSE_AT=<step>` names instead when that is set (a
/// test stops the daemon there); `USERIMPORTD_TEST_SORTED_BEYOND=<rows>` sorts the rows past that
/// many instead of past a million (`SortedImport`), in batches of that many, so a test's file of
/// thousands takes that path. Release builds compile every call here to nothing.
enum TestHooks {
    enum Step: String {
        case claimed, committed, reportWritten = "report-written", moved
        /// A decision on a held file recorded; its file not moved yet.
        case decided
        /// A held file moved into the work folder; its request still there.
        case heldMoved = "held-moved"
    }

    @inline(__always)
    static func reached(_ step: Step, file: FileName) {
        #if DEBUG
            if let wanted = getenv("USERIMPORTD_TEST_KILL_AT"), String(cString: wanted) == step.rawValue {
                raise(SIGKILL)
            }
            if let wanted = getenv("USERIMPORTD_TEST_PAUSE_AT"), String(cString: wanted) == step.rawValue {
                pauseOnce()
            }
        #endif
    }

    @inline(__always)
    static func reading(_ file: FileName) {
        #if DEBUG
            if let token = getenv("USERIMPORTD_TEST_STALL_TOKEN"), unlink(token) == 0 {
                while true { pause() }
            }
        #endif
    }

    /// The rows an import applies as read before it sorts the rest, and its batch size, when a
    /// test lowers them both; nil otherwise.
    static var sortedBeyond: Int? {
        #if DEBUG
            if let rows = getenv("USERIMPORTD_TEST_SORTED_BEYOND").flatMap({ Int(String(cString: $0)) }) {
                return rows
            }
        #endif
        return nil
    }

    @inline(__always)
    static func readToEnd(_ file: FileName) {
        #if DEBUG
            if getenv("USERIMPORTD_TEST_PAUSE_AT") == nil { pauseOnce() }
        #endif
    }

    #if DEBUG
        private static func pauseOnce() {
            if let token = getenv("USERIMPORTD_TEST_PAUSE_TOKEN"), unlink(token) == 0 {
                let resume = String(cString: token) + ".resume"
                // At most a minute, so a test that died cannot leave a daemon paused for good.
                for _ in 0..<60_000 {
                    if unlink(resume) == 0 { break }
                    usleep(1_000)
                }
            }
        }
    #endif
}
