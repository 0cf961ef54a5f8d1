import UserImportCore

/// The user directory on PostgreSQL, inside the caller's transaction: one statement per batch
/// handed over, not one per user (a round trip to the server costs more than the row).
///
/// The batch's emails and values travel as text arrays and are unnested on the server; the rows
/// are still decided one by one, in file order, by `RowRules` in the core.
public struct PostgresUserDirectory: UserDirectory {
    private let connection: PostgresConnection
    private let importID: Int64
    private let now: Int64

    public init(connection: PostgresConnection, importID: Int64, now: Timestamp) {
        self.connection = connection
        self.importID = importID
        self.now = now.millisecondsSinceEpoch
    }

    public mutating func users(emails: [String]) throws -> [StoredUser?] {
        guard !emails.isEmpty else { return [] }
        let rows = try connection.query(
            "SELECT \(Self.columns) FROM users WHERE email = ANY ($1::text[])", [PostgresArray.text(emails)])
        var found: [String: StoredUser] = [:]
        found.reserveCapacity(rows.count)
        for row in rows {
            let user = try Self.user(row)
            found[user.email] = user
        }
        return emails.map { found[$0] }
    }

    public mutating func store(_ users: [StoredUser]) throws {
        guard !users.isEmpty else { return }
        func column(_ value: (StoredUser) -> String) -> String? { PostgresArray.text(users.map(value)) }
        try connection.query(
            """
            INSERT INTO users (email, first_name, last_name, alternate_id, work_phone, title, department, state,
                               created_at, updated_at, last_import_id)
            SELECT u.email, u.first_name, u.last_name, u.alternate_id, u.work_phone, u.title, u.department,
                   u.state, $9::bigint, $9::bigint, $10::bigint
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                        $8::text[])
                AS u (email, first_name, last_name, alternate_id, work_phone, title, department, state)
            ON CONFLICT (email) DO UPDATE SET
                first_name = excluded.first_name, last_name = excluded.last_name,
                alternate_id = excluded.alternate_id, work_phone = excluded.work_phone, title = excluded.title,
                department = excluded.department, state = excluded.state, updated_at = excluded.updated_at,
                last_import_id = excluded.last_import_id
            """,
            [
                column(\.email), column(\.profile.firstName), column(\.profile.lastName),
                column(\.profile.alternateID), column(\.profile.workPhone), column(\.profile.title),
                column(\.profile.department), column(\.state.rawValue), String(now), String(importID),
            ])
    }

    static let columns = "email, first_name, last_name, alternate_id, work_phone, title, department, state"

    /// A row selected with `columns`; the database is read as outside data.
    static func user(_ row: [String?]) throws -> StoredUser {
        guard row.count == 8, let email = row[0], let stateText = row[7] else {
            throw PostgresError(.data, message: "a users row without email or state")
        }
        guard let state = UserState(rawValue: stateText) else {
            throw PostgresError(.data, message: "user \(email) has state \(stateText)")
        }
        return StoredUser(
            email: email,
            profile: UserProfile(
                firstName: row[1] ?? "", lastName: row[2] ?? "", alternateID: row[3] ?? "",
                workPhone: row[4] ?? "", title: row[5] ?? "", department: row[6] ?? ""),
            state: state)
    }
}

/// PostgreSQL's text form of an array parameter.
enum PostgresArray {
    /// `{"a","b"}`: every element quoted, its `"` and `\` escaped, so any text round-trips
    /// (commas, braces, spaces, the word NULL).
    static func text(_ values: [String]) -> String {
        var out = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            out += "\""
            for character in value.unicodeScalars {
                if character == "\"" || character == "\\" { out += "\\" }
                out.unicodeScalars.append(character)
            }
            out += "\""
        }
        return out + "}"
    }
}
