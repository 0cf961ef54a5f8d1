import Testing
import UserImportStore

/// Bound values must read back as they were bound, whether they fit the statement's arena, did
/// not fit it yet (bound as transient, the arena grown for the next bind), or are empty.
struct SQLiteStatementTests {
    @Test func everyValueReadsBackAsBoundWhateverItsSize() throws {
        let database = try StoreTestDatabase()
        let connection = try SQLiteConnection(path: database.path)
        try connection.execute("CREATE TABLE t (n INTEGER, a, b, c)")
        let insert = try connection.prepare("INSERT INTO t (n, a, b, c) VALUES (?1, ?2, ?3, ?4)")
        // Small texts, then texts that outgrow the arena, then the same again once it has grown,
        // then empty values and a bind that leaves the last parameter unbound.
        let sizes = [3, 5, 300, 700, 2_000, 2_000, 40, 0]
        var expected: [[String]] = []
        var expectedBlobs: [[UInt8]] = []
        for (number, size) in sizes.enumerated() {
            let a = String(repeating: Character(UnicodeScalar(UInt8(97 + number % 26))), count: size)
            let b = "é" + String(number) + String(repeating: "z", count: size / 2)
            try insert.bind { row in
                try row.int(Int64(number))
                try row.text(a)
                try row.text(b)
                try row.append(.blob(Array(a.utf8)))
            }
            try insert.runBound()
            expected.append([String(number), a, b, "blob \(size)"])
            expectedBlobs.append(Array(a.utf8))
        }
        try insert.run(.int(99), .text(""), .text(""), .blob([]))
        expected.append(["99", "", "", "blob 0"])
        try insert.run(.int(100), .text("only a"))
        expected.append(["100", "only a", "null", "null"])
        // A bind that fails half-way leaves nothing of the bind before it behind.
        try insert.run(.int(101), .text(String(repeating: "x", count: 50)), .text("b"), .blob([1]))
        expected.append(["101", String(repeating: "x", count: 50), "b", "blob 1"])
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try insert.bind { row in
                try row.text("y")
                throw Stop()
            }
        }
        try insert.runBound()
        expected.append(["null", "null", "null", "null"])

        let select = try connection.prepare(
            "SELECT coalesce(n, 'null'), coalesce(a, 'null'), coalesce(b, 'null'), CASE typeof(c) WHEN 'blob' THEN 'blob ' || length(c) ELSE typeof(c) END, c FROM t ORDER BY n IS NULL, n"
        )
        var read: [[String]] = []
        var blobs: [[UInt8]] = []
        while try select.step() {
            read.append([select.text(0), select.text(1), select.text(2), select.text(3)])
            blobs.append(select.blob(4))
        }
        #expect(read == expected)
        #expect(Array(blobs.prefix(sizes.count)) == expectedBlobs)
    }
}
