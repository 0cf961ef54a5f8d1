import Testing
import UserImportCore

struct RejectedRowsTextTests {
    let header = ["Email ID", "First Name", "Last Name", "User Status"]

    func row(_ cells: [String], reason: String, header: [String], delimiter: Delimiter) -> String {
        var out = ""
        RejectedRowsText.writeRow(cells, reason: reason, header: header, delimiter: delimiter, to: &out)
        return out
    }

    func headerLine(_ cells: [String], delimiter: Delimiter) -> String {
        var out = ""
        RejectedRowsText.writeHeader(cells, delimiter: delimiter, to: &out)
        return out
    }

    @Test func cellsAreQuotedOnlyWhereReadingThemBackWouldChangeThem() {
        #expect(
            row(
                ["a@x.org", "Ann", "Lee", "Nw"], reason: "bad", header: header, delimiter: .comma)
                == "a@x.org,Ann,Lee,Nw,bad\r\n")
        #expect(
            row(
                ["a@x.org", "Ann, Jr", "O\"Neil", " New"], reason: "say \"x\"", header: header,
                delimiter: .comma)
                == "a@x.org,\"Ann, Jr\",\"O\"\"Neil\",\" New\",\"say \"\"x\"\"\"\r\n")
        // A comma means nothing in a semicolon file; a tab is data in a tab-separated file only when quoted.
        #expect(
            row(
                ["a@x.org", "Ann, Jr", "Lee", "New"], reason: "r", header: header, delimiter: .semicolon)
                == "a@x.org;Ann, Jr;Lee;New;r\r\n")
        #expect(
            row(
                ["a@x.org", "Ann\tB", "Lee", "New"], reason: "r", header: header, delimiter: .tab)
                == "a@x.org\t\"Ann\tB\"\tLee\tNew\tr\r\n")
        #expect(
            row(
                ["a@x.org", "two\nlines", "Lee", "New"], reason: "r", header: header, delimiter: .pipe)
                == "a@x.org|\"two\nlines\"|Lee|New|r\r\n")
    }

    @Test func aShortRowIsPaddedSoTheReasonLandsInItsColumnAndALongOneIsKeptWhole() {
        #expect(
            row(["a@x.org", "Ann"], reason: "r", header: header, delimiter: .comma)
                == "a@x.org,Ann,,,r\r\n")
        #expect(
            row(
                ["a@x.org", "Ann", "Lee", "Sales", "New"], reason: "r", header: header, delimiter: .comma)
                == "a@x.org,Ann,Lee,Sales,New,r\r\n")
    }

    @Test func aFileDroppedBackKeepsOneReasonColumn() {
        let dropped = header + [" reason "]
        #expect(
            headerLine(dropped, delimiter: .comma)
                == "Email ID,First Name,Last Name,User Status,Reason\r\n")
        #expect(
            row(
                ["a@x.org", "Ann", "Lee", "Nw", "old"], reason: "new", header: dropped, delimiter: .comma)
                == "a@x.org,Ann,Lee,Nw,new\r\n")
        #expect(
            headerLine(header, delimiter: .comma)
                == "Email ID,First Name,Last Name,User Status,Reason\r\n")
    }

    @Test func onlyRejectedAndIgnoredRowsAreHeld() {
        #expect(RowOutcome.allCases.filter(RejectedRowsText.holds) == [.ignored, .rejected])
    }
}
