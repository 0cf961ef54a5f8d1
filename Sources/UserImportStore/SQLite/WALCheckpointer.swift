/// Copies the write-ahead log back into the database file, from a connection of its own.
///
/// SQLite normally checkpoints inside the COMMIT that grew the log past 1,000 pages, so a
/// million-row import waited for its whole log (a few hundred megabytes) to be copied and synced a
/// second time before its report could be written. The importing connection turns that off
/// (`ImportDatabase.checkpointsElsewhere`); the pipeline runs this beside the report after each
/// commit (`BackgroundCheckpoints`). Durability is unchanged: a commit is durable once in the log.
public enum WALCheckpointer {
    /// A passive checkpoint: copies what no reader still needs and waits for no one. SQLITE_BUSY
    /// (another connection is checkpointing, or a writer holds the log's head) is not an error:
    /// the next commit's checkpoint catches up.
    public static func checkpoint(databaseAt path: String) {
        // A connection per checkpoint, opened on the thread that uses it: one per import costs
        // well under a millisecond, and no connection is ever shared between threads.
        guard let connection = try? SQLiteConnection(path: path) else { return }
        _ = try? connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    }
}
