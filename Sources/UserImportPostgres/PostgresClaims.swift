/// Claims on files that several daemons can see, kept in the database: a daemon imports a file
/// only while it holds the file's claim, and a claim is held for a lease it must renew. A daemon
/// that dies stops renewing; once its lease has run out another daemon takes the claim over and
/// finishes the file.
///
/// Every new holder gets a higher token. The import's transaction finishes the claim only if its
/// token is still the current one (`finish`), so a daemon that lost its lease while importing (a
/// long pause, a network split) cannot commit the file a second time: its transaction fails and
/// rolls back. Times are the server's (`now()`), so the hosts' clocks need not agree.
public struct PostgresClaims {
    /// A claim held: the file's key, and the token that proves it is still this holder's.
    public struct Claim: Sendable, Equatable {
        public let fileKey: String
        public let token: Int64
    }

    /// Why a claim cannot be finished.
    public struct LostClaim: Error, CustomStringConvertible, Sendable {
        public let fileKey: String
        public var description: String {
            "the claim on \(fileKey) was taken over by another daemon after this one's lease ran out; "
                + "its import is rolled back and the other daemon finishes the file"
        }
    }

    private let connection: PostgresConnection
    /// Who holds the claims taken through this value: host name and process, in the log of others.
    public let holder: String
    public let leaseMilliseconds: Int64

    public init(connection: PostgresConnection, holder: String, leaseMilliseconds: Int64) {
        self.connection = connection
        self.holder = holder
        self.leaseMilliseconds = leaseMilliseconds
    }

    /// Takes the claim on `fileKey` when nobody holds it, its holder's lease has run out, or this
    /// holder already has it; nil when another daemon holds it or the file was finished.
    public func claim(_ fileKey: String) throws -> Claim? {
        let rows = try connection.query(
            """
            INSERT INTO file_claims (file_key, holder, token, expires_at)
            VALUES ($1, $2, 1, now() + $3::bigint * interval '1 millisecond')
            ON CONFLICT (file_key) DO UPDATE SET
                holder = excluded.holder, token = file_claims.token + 1, expires_at = excluded.expires_at
            WHERE file_claims.finished_at IS NULL
                AND (file_claims.expires_at < now() OR file_claims.holder = excluded.holder)
            RETURNING token
            """,
            [fileKey, holder, String(leaseMilliseconds)])
        guard let text = rows.first?.first ?? nil else { return nil }
        return Claim(fileKey: fileKey, token: try PostgresImportHistory.int(text, "a claim's token"))
    }

    /// Extends the lease; false when the claim was lost (taken over, or finished meanwhile).
    public func renew(_ claim: Claim) throws -> Bool {
        try !connection.query(
            """
            UPDATE file_claims SET expires_at = now() + $3::bigint * interval '1 millisecond'
            WHERE file_key = $1 AND token = $2 AND finished_at IS NULL RETURNING token
            """,
            [claim.fileKey, String(claim.token), String(leaseMilliseconds)]
        ).isEmpty
    }

    /// Inside the import's transaction: marks the file finished by `importID`, or throws
    /// `LostClaim` (and the caller's transaction rolls back) when the claim is no longer this one.
    /// The row stays locked until the transaction ends, so a takeover waits for it.
    public func finish(_ claim: Claim, importID: Int64) throws {
        let rows = try connection.query(
            """
            UPDATE file_claims SET finished_at = now(), import_id = $3
            WHERE file_key = $1 AND token = $2 AND finished_at IS NULL RETURNING token
            """,
            [claim.fileKey, String(claim.token), String(importID)])
        if rows.isEmpty { throw LostClaim(fileKey: claim.fileKey) }
    }

    /// Gives the claim up unfinished (the file is left for whoever claims it next).
    public func release(_ claim: Claim) throws {
        try connection.query(
            "DELETE FROM file_claims WHERE file_key = $1 AND token = $2 AND finished_at IS NULL",
            [claim.fileKey, String(claim.token)])
    }

    /// The import that finished `fileKey`, if one did.
    public func finishedImport(_ fileKey: String) throws -> Int64? {
        let text = try connection.scalar(
            "SELECT import_id FROM file_claims WHERE file_key = $1 AND finished_at IS NOT NULL", [fileKey])
        return try text.map { try PostgresImportHistory.int($0, "a claim's import") }
    }

    /// Files whose holder's lease has run out unfinished, oldest first: another daemon's to take over.
    public func abandoned(limit: Int = 100) throws -> [(fileKey: String, holder: String)] {
        try connection.query(
            """
            SELECT file_key, holder FROM file_claims WHERE finished_at IS NULL AND expires_at < now()
            ORDER BY expires_at LIMIT $1
            """,
            [String(limit)]
        ).map { row in
            guard row.count == 2, let key = row[0], let holder = row[1] else {
                throw PostgresError(.data, message: "a claim without its key or holder")
            }
            return (key, holder)
        }
    }
}
