import Synchronization
import UserImportCore

/// What `STATUS=` says: the file in hand and its progress, or the day's tally. The file in hand
/// is also published in the progress file, for readers that are not systemd.
public final class StatusBoard: Sendable {
    private struct State {
        var importing: (file: String, bytesRead: Int, size: Int)?
        var importingSince: Timestamp?
        /// When the progress file was last written (monotonic), and the bytes read it says (nil:
        /// there is none).
        var progressWrittenAt: UInt64 = 0
        var publishedBytesRead: Int?
        var day = 0
        var importsToday = 0
        var last: (file: String, disposition: Disposition)?
        var retry: (milliseconds: Int, error: String)?
    }

    private let state = Mutex(State())
    private let progressFile: ProgressFile?

    public init(progressFile: ProgressFile? = nil) {
        self.progressFile = progressFile
    }

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
        let now = MonotonicClock.nanoseconds()
        let publish = state.withLock { state -> ProgressFile.Progress? in
            if state.importing?.file != file {
                state.importingSince = SystemClock.now()
                state.publishedBytesRead = nil
            }
            state.importing = (file, bytesRead, size)
            // The first word, then news: the end at once, the rest five times a second. What the
            // file says already is not written again (a small file's import calls this several
            // times at its end, and each write makes a new inode).
            if let published = state.publishedBytesRead {
                guard bytesRead != published,
                    bytesRead >= size
                        || now &- state.progressWrittenAt >= ProgressFile.minimumIntervalNanoseconds
                else { return nil }
            }
            guard progressFile != nil else { return nil }
            state.progressWrittenAt = now
            state.publishedBytesRead = bytesRead
            return ProgressFile.Progress(
                file: file, bytesRead: bytesRead, size: size,
                startedAt: (state.importingSince ?? SystemClock.now()).rfc3339)
        }
        if let publish { progressFile?.write(publish) }
    }

    /// Nothing in hand any more: the progress file goes.
    private func cleared(_ state: inout State) -> Bool {
        state.importing = nil
        state.importingSince = nil
        defer { state.publishedBytesRead = nil }
        return state.publishedBytesRead != nil
    }

    func finished(_ record: ImportRecord) {
        let day = Self.today
        let published = state.withLock {
            if $0.day != day {
                $0.day = day
                $0.importsToday = 0
            }
            $0.importsToday += 1
            $0.last = (record.fileName, record.disposition)
            $0.retry = nil
            return cleared(&$0)
        }
        if published { progressFile?.remove() }
    }

    func idle() {
        let published = state.withLock {
            $0.retry = nil
            return cleared(&$0)
        }
        if published { progressFile?.remove() }
    }

    func retrying(in milliseconds: Int, after error: String) {
        let published = state.withLock {
            $0.retry = (milliseconds, error)
            return cleared(&$0)
        }
        if published { progressFile?.remove() }
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
