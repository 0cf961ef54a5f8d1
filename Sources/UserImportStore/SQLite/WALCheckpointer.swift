import CSQLite
import Dispatch

/// Copies the write-ahead log back into the database file on a thread of its own.
///
/// SQLite normally checkpoints inside the COMMIT that grew the log past 1,000 pages, so a
/// million-row import waited for its whole log (a few hundred megabytes) to be copied and synced a
/// second time before its report could be written. The importing connection turns that off
/// (`ImportDatabase.checkpointsElsewhere`) and nudges this after each commit: the copy then runs
/// while the report is written. Durability is unchanged: a commit is durable once in the log.
public final class WALCheckpointer: @unchecked Sendable {
    private let queue = DispatchQueue(label: "userimport.checkpoint")
    /// Used only on `queue`. Queued work holds this, never `self`: the last release of the
    /// checkpointer must not happen on its own queue, where `deinit` would wait for itself.
    private let connection: QueueOwned

    public init(path: String) throws {
        connection = QueueOwned(try SQLiteConnection(path: path))
    }

    deinit {
        // A checkpoint still running finishes before the connection closes.
        queue.sync {}
    }

    /// Starts a checkpoint soon, unless one is already queued.
    public func nudge() {
        queue.async { [connection] in
            // SQLITE_BUSY: another connection is checkpointing or a writer holds the log's head;
            // the next nudge (after the next commit) catches up.
            _ = try? connection.value.execute("PRAGMA wal_checkpoint(PASSIVE)")
        }
    }

    /// Waits for the checkpoints asked for so far.
    public func drain() {
        queue.sync {}
    }
}

/// The checkpointer's connection, handed to its queue (one thread at a time uses it).
private final class QueueOwned: @unchecked Sendable {
    let value: SQLiteConnection

    init(_ value: SQLiteConnection) {
        self.value = value
    }
}
