import Testing

@testable import UserImportCore

struct HeaderSuggestionTests {
    @Test(arguments: [
        ("Emial ID", UserField.email),
        ("Frist Name", .firstName),
        ("Last Nmae", .lastName),
        ("User Stauts", .userStatus),
        ("Departmnet", .department),
        ("Emal", .email),
    ])
    func typosOfKnownFieldsAreSuggested(header: String, field: UserField) {
        #expect(HeaderSuggestion.field(near: header) == field)
    }

    @Test(arguments: ["Shoe Size", "Manager", "Reason", "Cost Centre", "ID", ""])
    func unrelatedHeadersGetNoSuggestion(header: String) {
        #expect(HeaderSuggestion.field(near: header) == nil)
    }

    @Test func editDistanceCountsASwapAsOneEdit() {
        let distance = { (a: String, b: String) in
            HeaderSuggestion.editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars), limit: 5)
        }
        #expect(distance("emial", "email") == 1)
        #expect(distance("email", "email") == 0)
        #expect(distance("kitten", "sitting") == 3)
        #expect(distance("", "abc") == 3)
        #expect(
            HeaderSuggestion.editDistance(
                Array("abcdef".unicodeScalars), Array("uvwxyz".unicodeScalars), limit: 2) == 3)
    }

    @Test func anUnknownColumnWarningSaysWhatItMayHaveMeant() {
        let (_, warnings) = HeaderMap.read(
            CSVRecord(line: 1, fields: ["Email ID", "First Name", "Last Name", "User Status", "Departmnet"]))
        #expect(
            warnings == [
                "column 5 \"Departmnet\" is not a known field; its values are ignored (did you mean \"Department\"?)"
            ])
    }

    @Test func aMissingColumnNamesTheHeaderThatLooksLikeIt() throws {
        let error = HeaderMapTests.error(["Emial ID", "First Name", "Last Name", "User Status"])
        #expect(
            error
                == .missingColumns(
                    [.email], headerLine: 1,
                    nearMisses: [HeaderNearMiss(column: 1, header: "Emial ID", field: .email)]))
        let message = try #require(error?.message)
        #expect(message.contains("column 1 \"Emial ID\" looks like Email ID: check its spelling"))
    }
}
