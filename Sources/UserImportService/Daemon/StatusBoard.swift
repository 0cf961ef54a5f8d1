import Synchronization
import UserImportCore

/// What `STATUS=` says: the file in hand and its progress, or the day's tally.
public final class StatusBoard: Sendable {
    private struct State {
        var importing: (file: String, bytesRead: Int, size: Int)?
        var day = 0
        var importsToday = 0
        var last: (file: String, disposition: Disposition)?
        var retry: (milliseconds: Int, error: String)?
    }

    private let state = Mutex(State())

    public init() {}

    /// The UTC day number, which the tally belongs to.
    static var today: Int { Int(SystemClock.now().millisecondsSinceEpoch / 86_400_000) }

    /// The first millisecond of today (UTC), for counting the imports already in the history.
    static var startOfToday: Timestamp { Timestamp(millisecondsSinceEpoch: Int64(today) * 86_400_000) }

    func setImportsToday(_ count: Int) {
        state.withLock {
            $0.importsToday = count
            $0.day = Self.today
        }
    }

    func importing(_ file: String, bytesRead: Int, size: Int) {
        state.withLock { $0.importing = (file, bytesRead, size) }
    }

    func finished(_ record: ImportRecord) {
        let day = Self.today
        state.withLock {
            if $0.day != day {
                $0.day = day
                $0.importsToday = 0
            }
            $0.importsToday += 1
            $0.last = (record.fileName, record.disposition)
            $0.importing = nil
            $0.retry = nil
        }
    }

    func idle() {
        state.withLock {
            $0.importing = nil
            $0.retry = nil
        }
    }

    func retrying(in milliseconds: Int, after error: String) {
        state.withLock {
            $0.importing = nil
            $0.retry = (milliseconds, error)
        }
    }

    /// "importing users.csv: 45% (36 of 80 MB)" or "idle; 14 imports today, last users.csv done".
    public var text: String {
        state.withLock { state in
            if let retry = state.retry {
                return "retrying in \(retry.milliseconds) ms after an error: \(retry.error)"
            }
            if let (file, read, size) = state.importing {
                let percent = size > 0 ? min(100, read * 100 / size) : 100
                return "importing \(LogText.escaped(file)): \(percent)% (\(read >> 20) of \(size >> 20) MB)"
            }
            var text = "idle; \(state.importsToday) import\(state.importsToday == 1 ? "" : "s") today"
            if let last = state.last {
                text += ", last \(LogText.escaped(last.file)) \(last.disposition.rawValue)"
            }
            return text
        }
    }
}
