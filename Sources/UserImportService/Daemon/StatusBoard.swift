import Synchronization
import UserImportCore

/// What `STATUS=` says: the file in hand and its progress, or the day's tally. The file in hand
/// is also published in the progress file, for readers that are not systemd.
public final class StatusBoard: Sendable {
    private struct State {
        var importing: (file: String, bytesRead: Int, size: Int)?
        var importingSince: Timestamp?
        /// When the progress file was last written (monotonic), and what it says (nil: there is
        /// none).
        var progressWrittenAt: UInt64 = 0
        var published: ProgressFile.Progress?
        var day = 0
        var importsToday = 0
        var last: (file: String, disposition: Disposition)?
        var retry: (milliseconds: Int, error: String)?
    }

    private let state = Mutex(State())
    private let progressFile: ProgressFile?
    private let progressInterval: UInt64

    /// `progressInterval`: the least time between two writes of news that is not the end.
    public init(
        progressFile: ProgressFile? = nil,
        progressInterval: UInt64 = ProgressFile.minimumIntervalNanoseconds
    ) {
        self.progressFile = progressFile
        self.progressInterval = progressInterval
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
            if state.importing?.file != file { state.importingSince = SystemClock.now() }
            state.importing = (file, bytesRead, size)
            guard progressFile != nil else { return nil }
            let progress = ProgressFile.Progress(
                file: file, bytesRead: bytesRead, size: size,
                startedAt: (state.importingSince ?? SystemClock.now()).rfc3339)
            // The first word on a file (by name and size: two files of one name may follow each
            // other), then news: the end at once, the rest at most once an interval. What the file
            // says already is not written again (a small file's import calls this several times at
            // its end, and each write makes a new inode).
            if let published = state.published, published.file == file, published.size == size {
                guard progress != published,
                    bytesRead >= size || now &- state.progressWrittenAt >= progressInterval
                else { return nil }
            }
            state.progressWrittenAt = now
            state.published = progress
            return progress
        }
        // A write that failed is tried again at the next call.
        if let publish, progressFile?.write(publish) == false {
            state.withLock { if $0.published == publish { $0.published = nil } }
        }
    }

    /// Nothing in hand any more: the progress file goes.
    private func cleared(_ state: inout State) -> Bool {
        state.importing = nil
        state.importingSince = nil
        defer { state.published = nil }
        return state.published != nil
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
