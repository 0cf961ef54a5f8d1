import Testing
import UserImportCore

struct HeaderMapTests {
    static func map(_ headers: [String], line: Int = 1) throws -> HeaderMap {
        try HeaderMap(header: CSVRecord(line: line, fields: headers))
    }

    static func error(_ headers: [String], line: Int = 1) -> FileError? {
        do {
            _ = try map(headers, line: line)
            return nil
        } catch {
            return error as? FileError
        }
    }

    @Test func seedHeadersMapInOrder() throws {
        let header = try Self.map([
            "Email ID", "First Name", "Last Name", "Alternate ID", "Work Phone", "Title", "Department",
            "User Status",
        ])
        #expect(UserField.allCases.map { header.column(of: $0) } == Array(0..<8))
        #expect(header.columnCount == 8)
        #expect(header.warnings.isEmpty)
    }

    @Test(arguments: [
        (" email id ", UserField.email),
        ("E-mail", .email),
        ("EMAIL ADDRESS", .email),
        ("e_mail_address", .email),
        ("Email", .email),
        ("first name", .firstName),
        ("FIRST_NAME", .firstName),
        ("Given Name", .firstName),
        ("Surname", .lastName),
        ("last-name", .lastName),
        ("Status", .userStatus),
        ("user status", .userStatus),
        ("Phone", .workPhone),
        ("Work Phone #", .workPhone),
        ("Job Title", .title),
        ("Dept.", .department),
        ("Employee ID", .alternateID),
    ])
    func headerSpellingsAreRecognised(spelling: String, field: UserField) throws {
        let required: [UserField: String] = [
            .email: "Email ID", .firstName: "First Name", .lastName: "Last Name", .userStatus: "User Status",
        ]
        var headers = UserField.required.filter { $0 != field }.compactMap { required[$0] }
        headers.append(spelling)
        let header = try Self.map(headers)
        #expect(header.column(of: field) == headers.count - 1)
        #expect(header.readings.last == HeaderReading(column: headers.count, header: spelling, field: field))
    }

    @Test func readingsListEveryColumn() throws {
        let header = try Self.map(
            ["User Status", "Shoe Size", "E-mail", "", "Surname", "first name"], line: 3)
        #expect(
            header.readings == [
                HeaderReading(column: 1, header: "User Status", field: .userStatus),
                HeaderReading(column: 2, header: "Shoe Size", field: nil),
                HeaderReading(column: 3, header: "E-mail", field: .email),
                HeaderReading(column: 4, header: "", field: nil),
                HeaderReading(column: 5, header: "Surname", field: .lastName),
                HeaderReading(column: 6, header: "first name", field: .firstName),
            ])
        #expect(header.headerLine == 3)
        #expect(header.column(of: .email) == 2)
        #expect(header.column(of: .department) == nil)
    }

    @Test func unknownColumnIsAWarning() throws {
        let header = try Self.map(["Email ID", "First Name", "Last Name", "User Status", "Shoe Size"])
        #expect(header.warnings.count == 1)
        let warning = try #require(header.warnings.first)
        #expect(warning.contains("column 5"))
        #expect(warning.contains("Shoe Size"))
        #expect(warning.contains("ignored"))
    }

    @Test func emptyHeaderCellIsAWarning() throws {
        let header = try Self.map(["Email ID", "", "First Name", "Last Name", "User Status"])
        #expect(header.warnings.count == 1)
        let warning = try #require(header.warnings.first)
        #expect(warning.contains("column 2"))
        #expect(warning.contains("no header"))
    }

    @Test func readWorksForAnUnusableHeader() {
        let (readings, warnings) = HeaderMap.read(
            CSVRecord(line: 1, fields: ["E-mail", "Shoe Size", "email"]))
        #expect(readings.map(\.field) == [.email, nil, .email])
        #expect(warnings.count == 1)
    }

    @Test func missingRequiredColumnsAreAllNamedInOrder() {
        #expect(
            Self.error(["Title", "Last Name"], line: 2)
                == .missingColumns([.email, .firstName, .userStatus], headerLine: 2))
        #expect(
            Self.error(["Email ID", "First Name", "Last Name"])
                == .missingColumns([.userStatus], headerLine: 1))
        let error = Self.error(["Department"])
        #expect(error == .missingColumns(UserField.required, headerLine: 1))
        #expect(error?.message.contains("Email ID, First Name, Last Name, User Status") == true)
    }

    @Test func duplicateColumnNamesBothColumns() {
        let error = Self.error(["Email ID", "First Name", "E-mail", "Last Name", "User Status"])
        #expect(error == .duplicateColumn(.email, firstColumn: 1, secondColumn: 3))
        #expect(error?.message.contains("columns 1 and 3") == true)
        #expect(
            Self.error(["Email", "First", "Last", "Status", "Action"])
                == .duplicateColumn(.userStatus, firstColumn: 4, secondColumn: 5))
    }

    /// A header of a million empty cells fits in MaxRecordBytes; it must not become a million
    /// readings and warnings to store and report.
    @Test func tooManyColumnsIsAFileErrorAndOnlyTheFirstAreRead() {
        let required = ["Email ID", "First Name", "Last Name", "User Status"]
        let widest = required + Array(repeating: "", count: HeaderMap.maxColumns - 4)
        #expect(Self.error(widest) == nil)
        let tooWide = widest + [""]
        #expect(
            Self.error(tooWide)
                == .tooManyColumns(count: HeaderMap.maxColumns + 1, limit: HeaderMap.maxColumns))
        let (readings, warnings) = HeaderMap.read(
            CSVRecord(line: 1, fields: required + Array(repeating: "", count: 1_000_000)))
        #expect(readings.count == HeaderMap.maxColumns)
        #expect(warnings.count == HeaderMap.maxColumns - 4)
    }
}
