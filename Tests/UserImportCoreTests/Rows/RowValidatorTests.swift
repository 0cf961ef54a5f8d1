import Testing
import UserImportCore

struct RowValidatorTests {
    static let headers = [
        "Email ID", "First Name", "Last Name", "Alternate ID", "Work Phone", "Title", "Department",
        "User Status",
    ]

    static func validator(_ headers: [String] = headers, maxValueLength: Int = 256) throws -> RowValidator {
        RowValidator(
            header: try HeaderMap(header: CSVRecord(line: 1, fields: headers)), maxValueLength: maxValueLength
        )
    }

    static func parse(
        email: String = "Ann.Lee@Example.com", first: String = "Ann", last: String = "Lee",
        alternateID: String = "",
        phone: String = "", title: String = "", department: String = "", status: String = "New",
        misplacedQuoteColumn: Int? = nil
    ) throws -> ParsedRow {
        let fields = [email, first, last, alternateID, phone, title, department, status]
        return try validator().parse(
            CSVRecord(line: 7, fields: fields, misplacedQuoteColumn: misplacedQuoteColumn))
    }

    /// The result of a row that did not pass, or nil (recorded as an issue) when it did.
    static func invalid(_ row: ParsedRow) -> RowResult? {
        guard case .invalid(let result) = row else {
            Issue.record("expected an invalid row, got \(row)")
            return nil
        }
        return result
    }

    static func valid(_ row: ParsedRow) -> UserRow? {
        guard case .valid(let userRow) = row else {
            Issue.record("expected a valid row, got \(row)")
            return nil
        }
        return userRow
    }

    @Test func validRowCarriesKeyStatusAndProfile() throws {
        let row = try #require(
            Self.valid(
                try Self.parse(
                    first: "Zoë", alternateID: "E-17", phone: "800-555-1212", title: "CTO", department: "R&D")
            ))
        #expect(row.line == 7)
        #expect(row.email == "ann.lee@example.com")
        #expect(row.status == .new)
        #expect(
            row.profile
                == UserProfile(
                    firstName: "Zoë", lastName: "Lee", alternateID: "E-17", workPhone: "800-555-1212",
                    title: "CTO",
                    department: "R&D"))
    }

    @Test func columnsAreReadThroughTheHeaderMap() throws {
        let validator = try Self.validator(["Status", "Ignored", "E-mail", "Surname", "Given Name"])
        let parsed = validator.parse(
            CSVRecord(line: 2, fields: ["update", "whatever", "X@Y.org", "Lee", "Ann"]))
        let row = try #require(Self.valid(parsed))
        #expect(row.email == "x@y.org")
        #expect(row.status == .update)
        #expect(row.profile == UserProfile(firstName: "Ann", lastName: "Lee"))
    }

    @Test(arguments: [7, 9, 1])
    func wrongFieldCountIsRejected(count: Int) throws {
        let fields = Array(["a@example.com", "Ann", "Lee", "", "", "", "", "New", "extra"].prefix(count))
        let result = try #require(
            Self.invalid(try Self.validator().parse(CSVRecord(line: 4, fields: fields))))
        #expect(result.outcome == .rejected)
        #expect(result.line == 4)
        #expect(
            result.reason.contains("the row has \(count) field\(count == 1 ? "" : "s") but the header has 8"))
    }

    @Test func misplacedQuoteIsRejected() throws {
        let result = try #require(Self.invalid(try Self.parse(last: "O\"Neil", misplacedQuoteColumn: 3)))
        #expect(result.outcome == .rejected)
        #expect(result.reason.contains("column 3"))
    }

    @Test(arguments: [
        ("\t", "U+0009"), ("\n", "U+000A"), ("\r", "U+000D"), ("\u{1B}", "U+001B"), ("\u{7F}", "U+007F"),
        ("\u{85}", "U+0085"), ("\u{202E}", "U+202E"), ("\u{200F}", "U+200F"), ("\u{2066}", "U+2066"),
        ("\u{2028}", "U+2028"), ("\u{FEFF}", "U+FEFF"),
    ])
    func controlCharacterIsRejected(character: String, codePoint: String) throws {
        for value in ["Ann\(character)Lee", character + "Ann", "Ann" + character] {
            let result = try #require(Self.invalid(try Self.parse(title: value)))
            #expect(result.outcome == .rejected)
            #expect(
                result.reason.contains("Title contains a control character (\(codePoint))"),
                "\(result.reason)")
        }
    }

    @Test func ordinaryUnicodeIsAllowed() throws {
        #expect(Self.valid(try Self.parse(first: "Zoë 😀", last: "Łukasz-日本", title: "Straße")) != nil)
    }

    @Test func overLongValueIsRejected() throws {
        let result = try #require(
            Self.invalid(try Self.parse(department: String(repeating: "d", count: 257))))
        #expect(result.outcome == .rejected)
        #expect(result.reason.contains("Department is 257 characters long; the limit is 256"))
    }

    @Test func valueAtTheLimitIsAccepted() throws {
        #expect(Self.valid(try Self.parse(department: String(repeating: "d", count: 256))) != nil)
        // The limit counts characters, not UTF-8 bytes: 256 two-byte letters are fine.
        #expect(Self.valid(try Self.parse(department: String(repeating: "é", count: 256))) != nil)
        let result = try #require(Self.invalid(try Self.parse(last: String(repeating: "é", count: 257))))
        #expect(result.reason.contains("257 characters"))
    }

    @Test func configuredLimitApplies() throws {
        let fields = ["a@example.com", "Ann", String(repeating: "L", count: 21), "", "", "", "", "New"]
        let validator = try Self.validator(maxValueLength: 20)
        let result = try #require(Self.invalid(validator.parse(CSVRecord(line: 2, fields: fields))))
        #expect(result.reason.contains("Last Name is 21 characters long; the limit is 20"))
        #expect(
            Self.valid(validator.parse(CSVRecord(line: 2, fields: fields.map { String($0.prefix(20)) })))
                != nil)
    }

    @Test func emptyEmailIsRejected() throws {
        let result = try #require(Self.invalid(try Self.parse(email: "")))
        #expect(result.outcome == .rejected)
        #expect(result.reason == "Email ID is empty")
    }

    @Test(arguments: ["ann.lee", "ann@lee", "\"ann\"@example.com", "ann lee@example.com"])
    func invalidEmailIsIgnored(email: String) throws {
        let result = try #require(Self.invalid(try Self.parse(email: email)))
        #expect(result.outcome == .ignored)
        #expect(result.reason == "invalid email")
        #expect(result.email == email)
    }

    @Test func invalidEmailIsIgnoredWhateverElseIsWrong() throws {
        let result = try #require(
            Self.invalid(try Self.parse(email: "nobody", first: "", status: "Frobnicate")))
        #expect(result.outcome == .ignored)
    }

    /// the README's "The input format": "the stored key is the trimmed, lower-cased address". A quoted cell keeps its
    /// spaces through the parser, so the validator must trim the address itself.
    @Test func quotedEmailWithSurroundingSpacesIsTrimmed() throws {
        let row = try #require(Self.valid(try Self.parse(email: "  Ann.Lee@Example.com ")))
        #expect(row.email == "ann.lee@example.com")
    }

    @Test func quotedStatusWithSurroundingSpacesIsRead() throws {
        #expect(Self.valid(try Self.parse(status: " Delete  "))?.status == .delete)
    }

    @Test func unknownStatusIsRejected() throws {
        let result = try #require(Self.invalid(try Self.parse(status: "Remove")))
        #expect(result.outcome == .rejected)
        #expect(result.reason.contains("unknown User Status \"Remove\""))
        #expect(result.status == "Remove")
        #expect(result.email == "ann.lee@example.com")
    }

    @Test func emptyStatusIsRejected() throws {
        let result = try #require(Self.invalid(try Self.parse(status: "")))
        #expect(result.outcome == .rejected)
        #expect(result.reason.contains("User Status is empty"))
    }

    @Test(arguments: [
        ("new", UserStatus.new), ("NEW", .new), ("New", .new), ("uPdAtE", .update), ("delete", .delete),
        ("ACTIVATE", .activate),
    ])
    func statusIsCaseInsensitive(cell: String, status: UserStatus) throws {
        #expect(Self.valid(try Self.parse(status: cell))?.status == status)
    }

    @Test(arguments: ["New", "update"])
    func profileRowsNeedNames(status: String) throws {
        let noFirst = try #require(Self.invalid(try Self.parse(first: "", status: status)))
        #expect(noFirst.outcome == .rejected)
        #expect(noFirst.reason.contains("First Name is empty"))
        #expect(noFirst.status == UserStatus(cell: status)?.rawValue)
        let noLast = try #require(Self.invalid(try Self.parse(last: "", status: status)))
        #expect(noLast.reason.contains("Last Name is empty"))
        let neither = try #require(Self.invalid(try Self.parse(first: "", last: "", status: status)))
        #expect(neither.reason.contains("First Name and Last Name are empty"))
        // A quoted cell of spaces is as empty as an empty one.
        let blank = try #require(Self.invalid(try Self.parse(first: "  ", last: " ", status: status)))
        #expect(blank.reason.contains("First Name and Last Name are empty"))
    }

    @Test(arguments: ["Delete", "activate"])
    func deleteAndActivateNeedNoNames(status: String) throws {
        let row = try #require(Self.valid(try Self.parse(first: "", last: "", status: status)))
        #expect(row.status == UserStatus(cell: status))
    }
}
