import UserImportCore
import UserImportPostgres
import UserImportStore

/// The store on a PostgreSQL server ([Database] Backend=postgresql): the same tables, encodings and
/// transaction as the SQLite file, on a server several daemons may share. An import holds the
/// directory for its transaction, so imports from several hosts apply one after the other in
/// commit order, with ids from one sequence.
final class PostgresPipelineStore: PipelineStore {
    private let url: String
    /// This daemon among those sharing the database: its host and work folder.
    private let daemon: String
    /// nil until the first use, and again after the connection was lost: the next use connects.
    private var live: Live?
    private var tick: () throws -> Void = {}
    /// With [Database] TakeoverAfter: the work folders' leases, and this store's folder's own.
    private let leases: PostgresWorkLeases?
    private var lease: PostgresWorkLeases.Claim?

    /// A connection, migrated, with the history and decisions over it.
    private struct Live {
        let connection: PostgresConnection
        let history: PostgresImportHistory
        let held: PostgresHeldDecisions
    }

    /// Connects at once, to refuse a configuration the server refuses (a wrong database, user or
    /// password) before the daemon says it is ready; a server not there yet is only waited for.
    /// `folders`: where this daemon publishes, said with its lease so that only a daemon
    /// publishing there too finishes its work.
    convenience init(url: String, daemon: String, folders: String, takeoverAfterMilliseconds: Int?) throws {
        try self.init(
            url: url, daemon: daemon,
            leases: takeoverAfterMilliseconds.map {
                PostgresWorkLeases(url: url, holder: daemon, folders: folders, leaseMilliseconds: Int64($0))
            })
    }

    /// `daemon` is the one whose work folder the store answers for: this daemon's own, or one
    /// whose lease ran out (then `leases` are this daemon's).
    private init(url: String, daemon: String, leases: PostgresWorkLeases?) throws {
        self.url = url
        self.daemon = daemon
        self.leases = leases
        do {
            _ = try connected()
        } catch let error as PostgresError where error.isTransient {
            live = nil
        } catch is PostgresWorkLeases.Taken {
            // Another daemon finishes this folder's work: waited for, as a server not there is.
            live = nil
        } catch let error as PostgresError where error.kind == .refused {
            throw SetupError.databaseRefused(error.message)
        }
    }

    private func connected() throws -> Live {
        if let live, live.connection.isConnected { return live }
        live = nil
        let connection = try PostgresConnection(url: url)
        try PostgresSchema.migrate(connection)
        if leases == nil {
            // TakeoverAfter was set at an earlier run and is not now: the folder's old lease must
            // not let another daemon take over a folder this one works in unfenced; one that is
            // finishing it now is waited for.
            let key = PostgresWorkLeases.key(daemon)
            try connection.query(
                "DELETE FROM file_claims WHERE file_key = $1 AND (holder = $2 OR expires_at < now())",
                [key, daemon])
            if let holder = try connection.scalar("SELECT holder FROM file_claims WHERE file_key = $1", [key])
            {
                throw PostgresWorkLeases.Taken(daemon: daemon, holder: holder)
            }
        }
        let fresh = Live(
            connection: connection, history: PostgresImportHistory(connection: connection, daemon: daemon),
            held: PostgresHeldDecisions(connection: connection, daemon: daemon))
        live = fresh
        return fresh
    }

    private var connection: PostgresConnection { get throws { try connected().connection } }
    private var history: PostgresImportHistory { get throws { try connected().history } }
    var publishing: any PublishingHistory { get throws { try connected().history } }
    var decisions: any HeldDecisionRecords { get throws { try connected().held } }

    /// The folder's lease is made sure of first, outside the transaction: taking it again inside
    /// would hold its row locked, and its renewals waiting, for the whole import.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try holdingTheFolder()
        return try connection.transaction(body)
    }

    /// The folder's lease, taken again when it was lost; throws `Taken` while another daemon
    /// finishes this folder's work (a transient wait).
    private func holdingTheFolder() throws {
        guard let leases else { return }
        if let lease, !leases.wasLost(lease) { return }
        switch try leases.hold(daemon, on: try connection) {
        case .success(let claim): lease = claim
        case .failure(let taken): throw taken
        }
    }

    func beginImport(
        workName: FileName, size: Int, ownerUID: UInt32?, receivedAt: Timestamp, startedAt: Timestamp
    ) throws -> Int64 {
        // The directory first, then the id: ids then rise in the order imports commit. Another
        // daemon's import may hold it for minutes: waited for here, ticking (the watchdog, a stop
        // request), rather than inside a statement that cannot be stopped.
        try PostgresUserDirectory.waitForTheDirectory(try connection, tick: tick)
        return try history.begin(
            workName: workName, size: size, ownerUID: ownerUID, receivedAt: receivedAt, startedAt: startedAt)
    }

    func finishImport(_ record: ImportRecord, publishAttempt: Int) throws {
        try history.finish(record, publishAttempt: publishAttempt)
        // Last: a takeover of this folder since the lease was taken rolls the import back.
        if let leases, let lease { try leases.confirm(lease, on: try connection) }
    }

    func readFile<Source: RereadableSource>(
        _ input: ImportRun.Input<Source>, importer: Importer, id: Int64, now: Timestamp
    ) throws -> ImportRun.Outcome {
        let connection = try self.connection
        try connection.execute("SAVEPOINT file_rows")
        var attempt = PostgresImportAttempt(connection: connection, id: id, now: now)
        let outcome = try ImportRun.run(input, importer: importer, attempt: &attempt)
        try connection.execute("RELEASE SAVEPOINT file_rows")
        return outcome
    }

    func unpublished() throws -> [UnpublishedImport] {
        try holdingTheFolder()
        return try history.unpublished()
    }

    func abandonedWork() throws -> [(daemon: String, publishesHere: Bool)] {
        guard let leases else { return [] }
        return try leases.abandoned(on: try connection)
    }

    func finishing(_ other: String) throws -> (any PipelineStore)? {
        guard let leases else { return nil }
        let store = try PostgresPipelineStore(url: url, daemon: other, leases: leases)
        do {
            try store.holdingTheFolder()
        } catch is PostgresWorkLeases.Taken {
            return nil
        }
        return store
    }

    func releaseWork() throws {
        guard let leases, let lease else { return }
        self.lease = nil
        // Not renewed any more even when the connection fails first: the lease then runs out.
        defer { leases.forget(lease) }
        try leases.release(lease, on: try connection)
    }

    /// The lease as this daemon last saw it renewed, then as the server has it (a daemon paused
    /// past its lease learns of the takeover here, before it touches the folders). Publishing
    /// checks this just before each rename: what it cannot fence is a pause between the check and
    /// the rename longer than the quarter of a lease the renewals keep in hand.
    func fence() throws {
        try fence(on: try connection)
    }

    /// On `connection`: inside a transaction, the transaction's own, not one opened afresh.
    private func fence(on connection: PostgresConnection) throws {
        guard let leases else { return }
        guard let lease, !leases.wasLost(lease) else {
            throw PostgresWorkLeases.LostClaim(fileKey: PostgresWorkLeases.key(daemon))
        }
        try leases.confirm(lease, on: connection)
    }

    /// Publishing's records, each written only while the lease is still this daemon's (checked
    /// in the same transaction), so a daemon that lost the folder cannot rename or mark an import
    /// the one finishing its work publishes.
    func renamePublished(id: Int64, path: String, attempt: Int) throws {
        try fenced { try history.renamePublished(id: id, path: path, attempt: attempt) }
    }

    func markPublished(id: Int64, path: String) throws {
        try fenced { try history.markPublished(id: id, path: path) }
    }

    private func fenced(_ write: () throws -> Void) throws {
        guard leases != nil else { return try write() }
        let connection = try self.connection
        try connection.transaction {
            try write()
            try fence(on: connection)
        }
    }

    func giveUpWork() {
        guard let leases, let lease else { return }
        self.lease = nil
        leases.forget(lease)
        try? leases.giveUp(lease, on: try connection)
    }

    func rows(importID: Int64) throws -> RowResultCursor { try history.rows(importID: importID) }

    func rows(importID: Int64, keeping: @escaping (RowOutcome) -> Bool) throws -> RowResultCursor {
        try history.rows(importID: importID, keeping: keeping)
    }

    func reverse(_ target: Int64, as undoID: Int64, now: Timestamp, windowRows: Int) throws -> ImportSummary {
        let connection = try self.connection
        return try refusedWhole(connection.execute) {
            try PostgresUndo.reverse(target, as: undoID, now: now, windowRows: windowRows, on: connection)
        }
    }

    func pruneStep(finishedBefore cutoff: Timestamp, chunks: Int, now: Timestamp) throws -> Bool {
        try PostgresRowResultPruning(connection: connection).step(
            finishedBefore: cutoff, chunks: chunks, now: now)
    }

    /// `user EMAIL`'s keys and `users --search`'s entries, each in its own step. The search's
    /// step reads a quarter of the chunks: its trigram entries cost four times the keys (1M
    /// users, 64 chunks a step: 1.9 s against 0.5 s), and a file dropped meanwhile waits for the
    /// step to end.
    func indexStep(chunks: Int, now: Timestamp) throws -> Bool {
        let lineage = try PostgresLineageIndexing(connection: connection).step(chunks: chunks, now: now)
        let search = try PostgresUserSearchIndexing(connection: connection).step(
            chunks: max(1, chunks / 4), now: now)
        return lineage || search
    }

    func committed() {}

    /// Nothing to tell: each statement is a batch's, short; the one long wait ticks `whileWaiting`.
    func onProgress(_ busy: @escaping () -> Void) {}

    func whileWaiting(_ tick: @escaping () throws -> Void) { self.tick = tick }
}
