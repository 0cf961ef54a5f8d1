import Testing
import UserImportCore

extension HostileCorpus {
    // MARK: - Headers (the README's "The input format": first row, required columns, aliases, unknown columns; "What happens to a file": header only)

    static let headers: [HostileCase] = {
        let standard = (1...4).map { column in
            Report.header(
                column, ["Email ID", "First Name", "Last Name", "User Status"][column - 1],
                ["Email ID", "First Name", "Last Name", "User Status"][column - 1])
        }
        return [
            HostileCase(
                label: "header only", content: .bytes(csv()), fate: .done,
                lines: standard + ["  - " + Report.noRows, Report.field("Size:", "42 bytes, 0 data rows")]),
            HostileCase(
                label: "header only, CRLF-less and unterminated", content: .bytes(Bytes.utf8(header)),
                fate: .done,
                lines: ["  - " + Report.noRows, Report.field("Size:", "41 bytes, 0 data rows")]),
            HostileCase(
                label: "header followed by blank lines and rows of empty fields",
                content: .bytes(csv("", ",,,", "\"\",\"\",\"\",\"\"", "  ,  ,  ,  ", "")), fate: .done,
                lines: ["  - " + Report.noRows]),
            HostileCase(
                label: "duplicate header under an alias",
                content: .bytes(Bytes.lines(header + ",E-mail", ann + ",ann@example.org")), fate: .failed,
                error: Report.duplicateColumn(1, 5, "Email ID"),
                lines: [Report.header(5, "E-mail", "Email ID")]),
            HostileCase(
                label: "duplicate header spelled the same",
                content: .bytes(Bytes.lines("Email ID,First Name,Last Name,Status,Status", ann + ",Delete")),
                fate: .failed, error: Report.duplicateColumn(4, 5, "User Status")),
            HostileCase(
                label: "empty header cell: its column is ignored with a warning",
                content: .bytes(
                    Bytes.lines(
                        "Email ID,,First Name,Last Name,User Status", "ann@example.com,secret,Ann,Lee,New")),
                fate: .done, rows: [Report.created(2, "ann@example.com")],
                lines: [Report.header(2, "", nil), "  - column 2 has no header; its values are ignored"]),
            HostileCase(
                label: "trailing delimiter on the header and every row",
                content: .bytes(Bytes.lines(header + ",", ann + ",")), fate: .done,
                rows: [Report.created(2, "ann.lee@example.com")],
                lines: ["  - column 5 has no header; its values are ignored"]),
            HostileCase(
                label: "missing the User Status column",
                content: .bytes(Bytes.lines("Email ID,First Name,Last Name", "ann@example.com,Ann,Lee")),
                fate: .failed,
                error: Report.missing("User Status", line: 1)),
            HostileCase(
                label: "header after blank lines, missing two columns",
                content: .bytes(Bytes.lines("", "", "Email,First Name", "ann@example.com,Ann")),
                fate: .failed,
                error: Report.missing("Last Name, User Status", line: 3)),
            HostileCase(
                label: "no header at all: the first data row is read as one",
                content: .bytes(Bytes.lines(ann, "bob@example.com,Bob,Ray,New")), fate: .failed,
                error: Report.missing("Email ID, First Name, Last Name, User Status", line: 1),
                lines: [
                    Report.header(1, "ann.lee@example.com", nil),
                    "  - column 1 \"ann.lee@example.com\" is not a known field; its values are ignored",
                ]),
            HostileCase(
                label: "formula in an unknown header cell",
                content: .bytes(
                    Bytes.lines(header + ",\"=HYPERLINK(\"\"http://evil.example\"\")\"", ann + ",x")),
                fate: .done, rows: [Report.created(2, "ann.lee@example.com")],
                lines: [
                    Report.header(5, "'=HYPERLINK(\"http://evil.example\")", nil),
                    "  - column 5 \"=HYPERLINK(\"http://evil.example\")\" is not a known field; its values are ignored",
                ]),
            HostileCase(
                label: "header cells quoted, padded and oddly cased",
                content: .bytes(
                    Bytes.lines("\" EMAIL id \",\"first NAME\",  Last   Name  ,\"USER STATUS \"", ann)),
                fate: .done, rows: [Report.created(2, "ann.lee@example.com")],
                lines: [
                    Report.header(1, " EMAIL id ", "Email ID"), Report.header(3, "Last   Name", "Last Name"),
                ]),
            HostileCase(
                label: "a right-to-left override inside a header cell is shown escaped",
                content: .bytes(Bytes.lines("Email ID,First Name,Last Name,User\u{202E} Status", ann)),
                fate: .done,
                rows: [Report.created(2, "ann.lee@example.com")],
                lines: [Report.header(4, "User\\u{202E} Status", "User Status")]),
            HostileCase(
                label: "quote opened in the header and never closed",
                content: .bytes(Bytes.lines("Email ID,\"First Name,Last Name,User Status", ann)),
                fate: .failed,
                error: Report.unterminated(line: 1), delimiter: "unknown"),
        ]
    }()

    // MARK: - Record structure (the README's "The input format": RFC 4180 quoting, LF/CRLF/CR, blank lines; "The input format": bad rows)

    static let structure: [HostileCase] = {
        [
            HostileCase(
                label: "ragged rows: too few and too many fields",
                content: .bytes(
                    csv(
                        "ann@example.com,Ann,Lee", "bob@example.com,Bob,Ray,New,Extra",
                        "carl@example.com,Carl,Cole,New",
                        "dan@example.com")),
                fate: .done,
                rows: [
                    Report.row(2, "ann@example.com", "", "rejected", Report.fieldCount(3, header: 4)),
                    Report.row(3, "bob@example.com", "New", "rejected", Report.fieldCount(5, header: 4)),
                    Report.created(4, "carl@example.com"),
                    Report.row(5, "dan@example.com", "", "rejected", Report.fieldCount(1, header: 4)),
                ]),
            HostileCase(
                label: "unterminated quote at the end of the file",
                content: .bytes(csv(ann, "bob@example.com,\"Bob,Ray,New")), fate: .failed,
                error: Report.unterminated(line: 3), lines: [Report.header(1, "Email ID", "Email ID")]),
            HostileCase(
                label: "a lone quote on the last line", content: .bytes(csv(ann, "\"")), fate: .failed,
                error: Report.unterminated(line: 3)),
            HostileCase(
                label: "unterminated quote mid-file meets MaxRecordBytes",
                content: .bytes(
                    csv(
                        ["bob@example.com,\"Bob,Ray,New"]
                            + (0..<20).map { "carl\($0)@example.com,Carl,Cole,New" })),
                options: ImportOptions(maxRecordBytes: 200), fate: .failed,
                error: Report.recordTooLong(line: 2, limit: 200)),
            HostileCase(
                label: "stray quote inside an unquoted field",
                content: .bytes(
                    csv("ann\"o@example.com,Ann,Lee,New", "bob@example.com,Bob \"B\",Ray,New", ann)),
                fate: .done,
                rows: [
                    Report.row(2, "ann\"o@example.com", "New", "rejected", misplaced(1)),
                    Report.row(3, "bob@example.com", "New", "rejected", misplaced(2)),
                    Report.created(4, "ann.lee@example.com"),
                ]),
            HostileCase(
                label: "text after a closing quote",
                content: .bytes(csv("\"ann\"x@example.com,Ann,Lee,New")), fate: .done,
                rows: [Report.row(2, "annx@example.com", "New", "rejected", misplaced(1))]),
            HostileCase(
                label: "newlines inside quoted emails; later rows keep their line numbers",
                content: .bytes(
                    csv(
                        "\"ann\n@example.com\",Ann,Lee,New", "bob@example.com,Bob,Ray,New",
                        "\"carl\r\n@example.com\",C,C,New", ann)),
                fate: .done,
                rows: [
                    Report.row(
                        2, "ann\\n@example.com", "New", "rejected", Report.control("Email ID", "000A")),
                    Report.created(4, "bob@example.com"),
                    Report.row(
                        5, "carl\\r\\n@example.com", "New", "rejected", Report.control("Email ID", "000D")),
                    Report.created(7, "ann.lee@example.com"),
                ]),
            HostileCase(
                label: "CR-only line endings",
                content: .bytes(Bytes.utf8(header + "\r" + ann + "\rbob@example.com,Bob,Ray,New\r")),
                fate: .done,
                rows: [Report.created(2, "ann.lee@example.com"), Report.created(3, "bob@example.com")]),
            HostileCase(
                label: "mixed line endings: CRLF, LF, CR CRLF, CR",
                content: .bytes(
                    Bytes.utf8(
                        header + "\r\n" + ann
                            + "\nbob@example.com,Bob,Ray,New\r\r\ncarl@example.com,Carl,Cole,New\r"
                            + "dan@example.com,Dan,Doe,New\n")),
                fate: .done,
                rows: [
                    Report.created(2, "ann.lee@example.com"), Report.created(3, "bob@example.com"),
                    Report.created(5, "carl@example.com"), Report.created(6, "dan@example.com"),
                ]),
            HostileCase(
                label: "semicolons with commas inside values",
                content: .bytes(
                    Bytes.lines(
                        "Email ID;First Name;Last Name;Title;User Status",
                        "ann@example.com;Lee, Ann;Lee;Director, Sales, EMEA;New")),
                fate: .done, delimiter: "semicolon", rows: [Report.created(2, "ann@example.com")],
                check: { state in
                    let user = try state.users()["ann@example.com"]
                    #expect(
                        user?.profile.title == "Director, Sales, EMEA"
                            && user?.profile.firstName == "Lee, Ann")
                }),
            HostileCase(
                label: "pipes with a quoted pipe inside a value",
                content: .bytes(
                    Bytes.lines(
                        "Email ID|First Name|Last Name|Department|User Status",
                        "ann@example.com|Ann|Lee|\"R|D\"|New")),
                fate: .done, delimiter: "pipe", rows: [Report.created(2, "ann@example.com")],
                check: { state in
                    let user = try state.users()["ann@example.com"]
                    #expect(user?.profile.department == "R|D")
                }),
            HostileCase(
                label: "tabs with padded values",
                content: .bytes(
                    Bytes.lines(
                        "Email ID\tFirst Name\tLast Name\tUser Status",
                        "ann@example.com\t  Ann Marie  \tLee\tnew")),
                fate: .done, delimiter: "tab", rows: [Report.created(2, "ann@example.com")],
                check: { state in
                    let user = try state.users()["ann@example.com"]
                    #expect(user?.profile.firstName == "Ann Marie")
                }),
            HostileCase(
                label: "doubled quotes inside a quoted name",
                content: .bytes(csv("ann@example.com,\"Ann \"\"The Hammer\"\"\",Lee,New")), fate: .done,
                rows: [Report.created(2, "ann@example.com")],
                check: { state in
                    let user = try state.users()["ann@example.com"]
                    #expect(user?.profile.firstName == "Ann \"The Hammer\"")
                }),
            HostileCase(
                label: "empty quoted email, blank quoted status, delimiter inside a quoted email",
                content: .bytes(
                    csv(
                        "\"\",Ann,Lee,New", "bob@example.com,Bob,Ray,\"   \"",
                        "\"ann,lee@example.com\",Ann,Lee,New")),
                fate: .done,
                rows: [
                    Report.row(2, "", "New", "rejected", "Email ID is empty"),
                    Report.row(
                        3, "bob@example.com", "", "rejected",
                        "User Status is empty; use New, Update, Delete or Activate"),
                    Report.ignored(4, "ann,lee@example.com"),
                ]),
        ]
    }()

    static func misplaced(_ column: Int) -> String {
        "a quote in the middle of column \(column); enclose the whole value in quotes and double any quote inside it"
    }
}
