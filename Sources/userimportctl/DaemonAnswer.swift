import Glibc
import UserImportStore

/// How this tool waits for the daemon (a submitted file, a release, a reject, an undo): it cannot
/// be told, so it looks in the history until `answer` finds what it waits for, or the deadline
/// passes (nil). The database is opened afresh each time: the daemon may create it after we began.
enum DaemonAnswer {
    static func poll<Answer>(
        _ state: StateOptions, until deadline: Int, _ answer: (any HistoryReading) throws -> Answer?
    ) throws -> Answer? {
        while time(nil) < deadline {
            if let history = try? state.openHistory(), let found = try answer(history) {
                return found
            }
            usleep(50_000)
        }
        return nil
    }
}
