import Testing

@testable import UserImportPostgres

/// An array parameter's text form: every value comes back from the server as it went.
struct PostgresArrayTests {
    @Test func valuesRoundTripThroughAnArrayParameter() throws {
        let connection = try PostgresConnection(url: try PostgresServer.shared.get().database())
        let values = [
            "plain@example.com", "quote\"inside", "back\\slash", "", "NULL", "{braces}", "a,b", " spaced ",
            "zoë@example.com", "\\\"both\"\\", "tab\there", "new\nline", "日本",
        ]
        let rows = try connection.query(
            "SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n",
            [PostgresArray.text(values)])
        #expect(rows.map { $0.first ?? nil } == values.map { Optional($0) })
        #expect(try connection.query("SELECT cardinality($1::text[])", [PostgresArray.text([])]) == [["0"]])
    }
}
