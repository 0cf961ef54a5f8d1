import Testing
import UserImportCore
import UserImportPostgres
import UserImportStore

/// The server's listings read in pages of a thousand by key: offsets and limits across page
/// boundaries give the rows a single sorted query gives.
struct PostgresListingTests {
    func migrated() throws -> PostgresConnection {
        let connection = try PostgresConnection(url: try PostgresServer.shared.get().database())
        try PostgresSchema.migrate(connection)
        return connection
    }

    @Test(arguments: [(0, nil), (999, 1_002), (1_000, 1_000), (2_499, 5), (1, 2_000)] as [(Int, Int?)])
    func usersPageLikeOneSortedQuery(offset: Int, limit: Int?) throws {
        let connection = try migrated()
        // Emails whose bytewise order is not their numeric order.
        try connection.execute(
            """
            INSERT INTO users (email, first_name, last_name, alternate_id, work_phone, title, department, state,
                               created_at, updated_at, last_import_id)
            SELECT 'u' || n || '@example.com', 'F' || n, 'L', '', '', '', '', 'invited', 0, 0, 0
            FROM generate_series(1, 2500) AS n
            """)
        var listed: [String] = []
        try PostgresUserListing(connection: connection).forEachUser(
            states: [], search: nil, offset: offset, limit: limit
        ) { listed.append($0.email) }
        let all = try connection.query("SELECT email FROM users ORDER BY email COLLATE \"C\"").map {
            $0[0] ?? ""
        }
        let end = limit.map { min(all.count, offset + $0) } ?? all.count
        #expect(listed == Array(all[min(offset, all.count)..<end]))
    }
}
