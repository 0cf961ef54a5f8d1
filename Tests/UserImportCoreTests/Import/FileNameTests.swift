import Testing
import UserImportCore

struct FileNameTests {
    @Test(arguments: [
        ".users.csv", ".x", "users.csv~", "users.csv.tmp", "users.csv.part", "users.csv.partial",
        "users.csv.filepart", "users.csv.swp", "users.csv.crdownload", "USERS.CSV.PART",
        "Users.Csv.CrDownload",
        "x.TMP", ".csv",
    ])
    func inProgressUploadsAreLeftAlone(name: String) {
        #expect(FileName(name).kind == .inProgress)
    }

    @Test(arguments: ["users.csv", "USERS.CSV", "Users.Csv", "users.txt", "export.TXT", "a.b.csv", "x.csv"])
    func csvAndTxtAreImportable(name: String) {
        #expect(FileName(name).kind == .importable)
    }

    @Test(arguments: [
        "users.xlsx", "users", "users.csv.bak", "users.csvx", "csv", "userscsv", "users.tsv", "part",
    ])
    func otherNamesHaveTheWrongExtension(name: String) {
        #expect(FileName(name).kind == .wrongExtension)
    }

    @Test func kindIgnoresInvalidUTF8InTheStem() {
        #expect(FileName(bytes: [0xFF, 0xFE] + Array(".csv".utf8)).kind == .importable)
    }

    @Test(arguments: [
        ([0x61, 0xFF, 0x62] as [UInt8], "a\\xFFb"),
        (Array("café.csv".utf8), "café.csv"),
        ([0x61, 0xC3], "a\\xC3"),
        ([0xE2, 0x82, 0x78], "\\xE2\\x82x"),
        ([0x0A, 0x80] + Array("é".utf8), "\n\\x80é"),
        ([0xC0, 0x80], "\\xC0\\x80"),
    ])
    func displayShowsInvalidBytesAsHex(bytes: [UInt8], display: String) {
        #expect(FileName(bytes: bytes).display == display)
    }

    @Test func publishedNameForms() {
        let name = FileName("users.csv")
        #expect(name.publishedName(importID: 42, attempt: 0) == name)
        #expect(name.publishedName(importID: 42, attempt: 1) == FileName("users.42.csv"))
        #expect(name.publishedName(importID: 42, attempt: 2) == FileName("users.42-2.csv"))
        #expect(name.publishedName(importID: 7, attempt: 13) == FileName("users.7-13.csv"))
        #expect(
            FileName("archive.tar.csv").publishedName(importID: 5, attempt: 1)
                == FileName("archive.tar.5.csv"))
        #expect(FileName("README").publishedName(importID: 5, attempt: 1) == FileName("README.5"))
        #expect(FileName(".hidden").publishedName(importID: 5, attempt: 1) == FileName(".hidden.5"))
    }

    @Test func reportNameSitsBesideTheFile() {
        #expect(FileName("users.csv").reportName == FileName("users.csv.report.txt"))
    }

    /// Every 255-byte name (NAME_MAX) must still leave room for its report beside it.
    @Test(arguments: [
        String(repeating: "a", count: 251) + ".csv",
        String(repeating: "a", count: 255),
        "." + String(repeating: "a", count: 254),
        "a." + String(repeating: "b", count: 253),
        String(repeating: "a", count: 120) + "." + String(repeating: "b", count: 134),
    ])
    func publishedNameLeavesRoomForTheReport(name: String) throws {
        try #require(name.utf8.count == 255)
        for (importID, attempt) in [(Int64(1), 0), (1, 1), (123_456, 2), (Int64.max, 99)] {
            let published = FileName(name).publishedName(importID: importID, attempt: attempt)
            #expect(
                published.reportName.bytes.count <= 255,
                "\(published.reportName.bytes.count) bytes for id \(importID) attempt \(attempt)")
            #expect(published.bytes.first == UInt8(ascii: name.first == "." ? "." : "a"))
        }
    }

    @Test func longNameKeepsItsExtensionAndTag() {
        let name = FileName(String(repeating: "a", count: 251) + ".csv")
        let published = name.publishedName(importID: 9, attempt: 3)
        #expect(published.display.hasSuffix("a.9-3.csv"))
        // Cut to leave room for the longest name beside it, the rows file's.
        #expect(published.rejectedRowsName.bytes.count == 255)
        #expect(published.reportName.bytes.count < 255)
        #expect(published.kind == .importable)
    }

    /// Shortened on a character boundary: a valid UTF-8 name never becomes an invalid one.
    @Test(arguments: ["é", "€", "🚀"])
    func longNameIsShortenedBetweenCharacters(letter: String) {
        let width = letter.utf8.count
        // Every alignment of the letters against the cut.
        for padding in 1...width {
            let letters = (250 - padding) / width
            let name = FileName(
                String(repeating: "a", count: padding) + String(repeating: letter, count: letters) + ".csv")
            for attempt in 0..<3 {
                let published = name.publishedName(importID: 12, attempt: attempt)
                #expect(String(validating: published.bytes, as: UTF8.self) != nil, "\(published.display)")
                #expect(published.reportName.bytes.count <= 255)
                #expect(published.rejectedRowsName.bytes.count <= 255)
                #expect(
                    published.bytes.count + width - 1 >= 255 - FileName.longestSuffix,
                    "cut no more than one letter")
                #expect(
                    published.display.hasSuffix(
                        letter + (attempt == 0 ? "" : ".12\(attempt == 1 ? "" : "-2")") + ".csv"))
            }
        }
    }

    @Test func attemptsGiveDistinctNames() {
        let name = FileName(String(repeating: "a", count: 251) + ".csv")
        let names = Set((0..<5).map { name.publishedName(importID: 77, attempt: $0) })
        #expect(names.count == 5)
    }
}
