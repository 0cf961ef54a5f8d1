import Foundation
import Testing
import UserImportCore
import UserImportService

/// An import with rows it did not apply writes them, with their reasons, beside its report; the
/// file corrected and dropped back gives the users first meant.
struct RejectedRowsRoundTripTests {
    /// One row of each kind the importer does not apply, between good ones, with semicolons.
    static let input = #"""
        Email ID;First Name;Last Name;Title;User Status
        ann@example.com;Ann;Lee;Clerk;New
        not-an-email;Bad;Address;Clerk;New
        bob@example.com;Bob;Ray;"Head; Sales";Create
        carl@example.com;;Cole;Clerk;New
        dan@example.com;Dan;Doe;Clerk;
        erin@example.com;Erin;Fox
        fay@example.com;Fay;Gale;Clerk;Update
        gus@example.com;Gus;Hale;"Chief ""Gus""";New

        """#

    /// What a person fixing the file does: each cell that was wrong set right, the rest as it came.
    static let fixes: [(String, String)] = [
        ("not-an-email;", "hal@example.com;"), (";Create;", ";New;"),
        ("carl@example.com;;", "carl@example.com;Carl;"),
        ("Clerk;;", "Clerk;New;"), ("erin@example.com;Erin;Fox;;", "erin@example.com;Erin;Fox;Clerk;New"),
        ("Clerk;Update;", "Clerk;New;"),
    ]

    @Test func theRowsNotAppliedComeBackAndImportOnceFixed() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        try state.drop("feed.csv", Self.input)
        let first = try #require(try pipeline.processInbox().first)
        #expect(first.summary.counts.created == 2)
        #expect(first.summary.counts.ignored + first.summary.counts.rejected == 6)
        let rejected = try state.read("done/feed.csv.rejected.csv")
        let lines = rejected.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "Email ID;First Name;Last Name;Title;User Status;Reason")
        #expect(lines.count == 7, "the header and the six rows not applied: \(lines)")
        #expect(lines.contains { $0.hasPrefix("bob@example.com;Bob;Ray;\"Head; Sales\";Create;") })
        #expect(lines.contains { $0.hasPrefix("erin@example.com;Erin;Fox;;;") }, "a short row is padded")
        #expect(!rejected.contains("ann@example.com") && !rejected.contains("gus@example.com"))
        #expect(
            try state.read("done/feed.csv.report.txt").contains("Rows to fix: done/feed.csv.rejected.csv"))

        var fixed = rejected
        for (wrong, right) in Self.fixes { fixed = fixed.replacingOccurrences(of: wrong, with: right) }
        try state.drop("feed-fixed.csv", fixed)
        let second = try #require(try pipeline.processInbox().first)
        #expect(second.disposition == .done)
        #expect(second.summary.counts.rejected == 0 && second.summary.counts.ignored == 0)
        #expect(second.summary.counts.created == 6)
        #expect(second.summary.warnings.contains { $0.contains("Reason") }, "Reason is an unknown column")
        #expect(!state.exists("done/feed-fixed.csv.rejected.csv"), "nothing left to fix, no rows file")
        let users = try state.users()
        #expect(
            Set(users.keys) == [
                "ann@example.com", "hal@example.com", "bob@example.com", "carl@example.com",
                "dan@example.com",
                "erin@example.com", "fay@example.com", "gus@example.com",
            ])
        #expect(users["bob@example.com"]?.profile.title == "Head; Sales")
        #expect(users["gus@example.com"]?.profile.title == "Chief \"Gus\"")
        #expect(users["carl@example.com"]?.profile.firstName == "Carl")
    }

    /// UTF-16 in, UTF-8 with a byte-order mark out (spreadsheets read it as UTF-8); a row fixed
    /// but still wrong comes back again, its old reason replaced rather than a second Reason added.
    @Test func aUTF16FileRoundTripsAndAReasonColumnIsNotDoubled() throws {
        let state = try TestStateDirectory()
        let pipeline = try state.pipeline()
        let text = "Email ID\tFirst Name\tLast Name\tUser Status\r\nzoe@example.com\tZoë\tÅberg\tNeu\r\n"
        try state.drop(
            "hr.txt", [0xFF, 0xFE] + Array(text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let first = try #require(try pipeline.processInbox().first)
        #expect(first.summary.encoding == .utf16LittleEndian && first.summary.counts.rejected == 1)
        let bytes = Array(
            try Data(contentsOf: URL(fileURLWithPath: state.root + "/done/hr.txt.rejected.csv")))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        let rejected = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(
            rejected.hasPrefix(
                "Email ID\tFirst Name\tLast Name\tUser Status\tReason\r\nzoe@example.com\tZoë\tÅberg\tNeu\t"))

        // Still wrong: "Neue" is no status either.
        try state.drop("hr-2.csv", rejected.replacingOccurrences(of: "\tNeu\t", with: "\tNeue\t"))
        let second = try #require(try pipeline.processInbox().first)
        #expect(second.summary.counts.rejected == 1)
        let again = try state.read("done/hr-2.csv.rejected.csv")
        #expect(
            again.components(separatedBy: "\r\n").first
                == "Email ID\tFirst Name\tLast Name\tUser Status\tReason")
        #expect(
            again.contains("\tNeue\t\"unknown User Status \"\"Neue\"\"; use New"))

        try state.drop("hr-3.csv", again.replacingOccurrences(of: "\tNeue\t", with: "\tNew\t"))
        let third = try #require(try pipeline.processInbox().first)
        #expect(third.summary.counts.created == 1 && third.summary.counts.rejected == 0)
        #expect(try state.users()["zoe@example.com"]?.profile.lastName == "Åberg")
    }
}
