import Foundation
import Glibc

/// Which daemon answers for each work folder, kept in `file_claims` (migration 3; times on the
/// server's clock, so the hosts' clocks need not agree) under `work:<daemon>`: a
/// daemon holds its own folder's lease while it runs, and a thread of its own renews every lease
/// it holds a few times per lease. A daemon that dies, stops or loses the server stops renewing;
/// once its lease has run out another daemon takes the folder over and finishes what it left
/// there (publishes what it committed, imports what it had only claimed), as the daemon itself
/// would have at its next start, then gives the folder back.
///
/// The import's transaction checks the lease just before it commits (`confirm`, a key-share lock)
/// and a takeover looks at the lease under an update lock, so a takeover waits for an import
/// about to commit, and an import whose folder was taken over meanwhile rolls back.
public final class PostgresWorkLeases: @unchecked Sendable {
    /// A lease held: its key, and the token that proves it is still this holder's (every new
    /// holder gets a higher one).
    public struct Claim: Sendable, Equatable {
        public let fileKey: String
        public let token: Int64
    }

    /// Why an import cannot commit, or a committed one be published: its folder was taken over.
    public struct LostClaim: Error, CustomStringConvertible, Sendable {
        public let fileKey: String

        public init(fileKey: String) {
            self.fileKey = fileKey
        }

        public var description: String {
            "the lease on \(fileKey) ran out and may be taken over by another daemon; this daemon "
                + "leaves the folder alone (what it had not committed is rolled back) until it holds the "
                + "lease again, and a daemon that took it over finishes the folder's work"
        }
    }

    /// Who takes the leases: this daemon's name (host and work folder).
    public let holder: String
    public let leaseMilliseconds: Int64
    private let state = State()

    /// What the renewing thread shares with the daemon's: the leases held, those found lost.
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var held: [String: Claim] = [:]
        var lost: Set<String> = []
        /// When each lease was last renewed: one not renewed for most of a lease is as good as
        /// lost, whatever the server says, since another daemon may take it soon.
        var renewedAt: [String: ContinuousClock.Instant] = [:]
        var stopped = false
    }

    /// Where this daemon publishes (done/, failed/, held/), kept with its own folder's lease.
    public let folders: String

    /// Starts the renewing thread, which ends when this value goes (its leases then run out).
    public init(url: String, holder: String, folders: String, leaseMilliseconds: Int64) {
        self.holder = holder
        self.folders = folders
        self.leaseMilliseconds = leaseMilliseconds
        let thread = Thread { [state] in
            Self.renewUntilStopped(state, url: url, holder: holder, leaseMilliseconds: leaseMilliseconds)
        }
        thread.name = "work-lease"
        thread.start()
    }

    deinit {
        state.lock.withLock { state.stopped = true }
    }

    public static func key(_ daemon: String) -> String { "work:" + daemon }

    /// Takes the lease on `daemon`'s work folder when nobody holds it, this daemon holds it, or
    /// its holder's lease has run out; nil (and who holds it) otherwise.
    public func hold(_ daemon: String, on connection: PostgresConnection) throws -> Result<Claim, Taken> {
        let key = Self.key(daemon)
        // As for a renewal: the lease counted from before the server gave it.
        let asked = ContinuousClock.now
        let claim: Result<Claim, Taken> = try connection.transaction {
            // Only a folder's own daemon makes its lease; another only takes over one that ran out
            // (one its daemon deleted, running without TakeoverAfter, is not recreated).
            if daemon == holder {
                try connection.query(
                    "INSERT INTO file_claims (file_key, holder, token, expires_at) VALUES ($1, $2, 0, now()) "
                        + "ON CONFLICT (file_key) DO NOTHING",
                    [key, holder])
            }
            let rows = try connection.query(
                "SELECT holder, token, expires_at < now() FROM file_claims WHERE file_key = $1 FOR UPDATE",
                [key])
            guard let row = rows.first else { return .failure(Taken(daemon: daemon, holder: "nobody")) }
            guard row.count == 3, let current = row[0], let tokenText = row[1] else {
                throw PostgresError(.data, message: "the work lease \(key) without its holder")
            }
            let token = try PostgresImportHistory.int(tokenText, "a work lease's token")
            guard current == holder || row[2] == "t" else {
                return .failure(Taken(daemon: daemon, holder: current))
            }
            // Its own daemon says where it publishes; a daemon finishing it leaves that as it was.
            try connection.query(
                """
                UPDATE file_claims SET holder = $2, token = $3, finished_at = NULL, import_id = NULL,
                    expires_at = now() + $4::bigint * interval '1 millisecond', folders = coalesce($5, folders)
                WHERE file_key = $1
                """,
                [key, holder, String(token + 1), String(leaseMilliseconds), daemon == holder ? folders : nil])
            return .success(Claim(fileKey: key, token: token + 1))
        }
        if case .success(let claim) = claim {
            state.lock.withLock {
                state.held[key] = claim
                state.lost.remove(key)
                state.renewedAt[key] = asked
            }
        }
        return claim
    }

    /// Inside the import's transaction, as its last statement: throws `LostClaim` when the
    /// folder's lease is no longer this daemon's, so the transaction rolls back.
    public func confirm(_ claim: Claim, on connection: PostgresConnection) throws {
        let rows = try connection.query(
            """
            SELECT 1 FROM file_claims WHERE file_key = $1 AND token = $2 AND holder = $3
                AND expires_at > clock_timestamp()
            FOR KEY SHARE
            """,
            [claim.fileKey, String(claim.token), holder])
        if rows.isEmpty {
            state.lock.withLock { _ = state.lost.insert(claim.fileKey) }
            throw LostClaim(fileKey: claim.fileKey)
        }
    }

    /// Whether the renewals found the lease taken by another daemon since it was held, or have
    /// not renewed it for three quarters of a lease (the server unreachable from the renewing
    /// connection): then it is taken again before more work in the folder.
    public func wasLost(_ claim: Claim) -> Bool {
        let stale = ContinuousClock.now - .milliseconds(leaseMilliseconds * 3 / 4)
        return state.lock.withLock {
            guard state.held[claim.fileKey] == claim, let renewed = state.renewedAt[claim.fileKey] else {
                return true
            }
            return state.lost.contains(claim.fileKey) || renewed < stale
        }
    }

    /// Gives a folder's lease back (its work is finished): deleted, so its own daemon takes it
    /// at once when it starts again.
    public func release(_ claim: Claim, on connection: PostgresConnection) throws {
        // Not renewed any more whatever the DELETE does: a lease left behind then runs out.
        defer { forget(claim) }
        try connection.query(
            "DELETE FROM file_claims WHERE file_key = $1 AND token = $2 AND holder = $3",
            [claim.fileKey, String(claim.token), holder])
    }

    /// Gives a folder's lease up unfinished (its work could not be finished here): its lease is
    /// made to have run out, so another daemon takes it over, or this one at a later rescan.
    public func giveUp(_ claim: Claim, on connection: PostgresConnection) throws {
        forget(claim)
        try connection.query(
            """
            UPDATE file_claims SET expires_at = now() - interval '1 millisecond', token = token + 1
            WHERE file_key = $1 AND token = $2 AND holder = $3
            """,
            [claim.fileKey, String(claim.token), holder])
    }

    /// No longer renewed by this daemon.
    public func forget(_ claim: Claim) {
        state.lock.withLock {
            if state.held[claim.fileKey] == claim {
                state.held[claim.fileKey] = nil
                state.renewedAt[claim.fileKey] = nil
            }
        }
    }

    /// Daemons whose work lease ran out, this one excepted, oldest first, and whether each
    /// publishes where this one does (only then may this one finish its work; a lease from before
    /// the daemons said where they publish is taken as the same folders, as it was then).
    public func abandoned(on connection: PostgresConnection) throws -> [(daemon: String, publishesHere: Bool)]
    {
        try connection.query(
            """
            SELECT substr(file_key, 6), folders IS NULL OR folders = $2 FROM file_claims
            WHERE file_key LIKE 'work:%' AND expires_at < now() AND file_key <> $1 ORDER BY expires_at LIMIT 100
            """,
            [Self.key(holder), folders]
        ).compactMap { row in row.first.flatMap { $0 }.map { ($0, row.count == 2 && row[1] == "t") } }
    }

    /// A few renewals per lease, on a connection of the thread's own (never waiting for an
    /// import's statements). A renewal that fails leaves the lease to run out: a daemon that
    /// cannot reach the server is, to the others, gone.
    private static func renewUntilStopped(
        _ state: State, url: String, holder: String, leaseMilliseconds: Int64
    ) {
        var connection: PostgresConnection?
        let interval = max(50, leaseMilliseconds / 4)
        while true {
            let claims: [Claim]? = state.lock.withLock { state.stopped ? nil : Array(state.held.values) }
            guard let claims else { return }
            for claim in claims {
                do {
                    if connection?.isConnected != true { connection = try PostgresConnection(url: url) }
                    guard let connection else { break }
                    // Taken before the statement is sent, so never later than the server's now():
                    // the lease this daemon counts on runs out no later than the server's.
                    let sent = ContinuousClock.now
                    let renewed = try !connection.query(
                        """
                        UPDATE file_claims SET expires_at = now() + $4::bigint * interval '1 millisecond'
                        WHERE file_key = $1 AND token = $2 AND holder = $3 RETURNING token
                        """,
                        [claim.fileKey, String(claim.token), holder, String(leaseMilliseconds)]
                    ).isEmpty
                    state.lock.withLock {
                        // Only the lease renewed: one taken again or given back meanwhile is not lost.
                        guard state.held[claim.fileKey] == claim else { return }
                        if renewed {
                            state.renewedAt[claim.fileKey] = sent
                        } else {
                            _ = state.lost.insert(claim.fileKey)
                        }
                    }
                } catch {
                    connection = nil
                }
            }
            // Short steps: a stop is seen within a second, whatever the lease.
            var slept: Int64 = 0
            while slept < interval, !state.lock.withLock({ state.stopped }) {
                let step = min(interval - slept, 1_000)
                usleep(UInt32(step) * 1_000)
                slept += step
            }
        }
    }

    /// Why a folder's lease was not given: another daemon holds it and its lease runs.
    public struct Taken: Error, CustomStringConvertible, Sendable {
        public let daemon: String
        public let holder: String

        public init(daemon: String, holder: String) {
            self.daemon = daemon
            self.holder = holder
        }

        public var description: String {
            "the work folder of \(daemon) is being finished by \(holder); this daemon waits for it"
        }
    }
}
