import Testing
import UserImportCore

/// The hostile input corpus (issue #8): generated here, in code, so no binary blob sits in git and
/// each case says in one place what it drops and what the README's "The input format", "What happens to a file" make of it.
enum HostileCorpus {
    static let all: [HostileCase] =
        encodings + binaries + headers + structure + values + emails + names + limits + duplicates

    static let header = Bytes.header
    static let ann = "ann.lee@example.com,Ann,Lee,New"

    /// A file of `header` and `rows`, LF-terminated.
    static func csv(_ rows: String...) -> [UInt8] {
        csv(rows)
    }

    static func csv(_ rows: [String]) -> [UInt8] {
        Array(([header] + rows).map { $0 + "\n" }.joined().utf8)
    }

    // MARK: - Encodings (the README's "The input format": UTF-8 with or without BOM, UTF-16 with BOM, a configured fallback)

    static let encodings: [HostileCase] = {
        let text = header + "\n" + ann + "\n"
        let latinPrefix = Bytes.utf8(header + "\njose@example.com,Jos")
        let latin = latinPrefix + [0xE9] + Bytes.utf8(",Garc") + [0xED] + Bytes.utf8("a,New\n")
        let titled = "Email ID,First Name,Last Name,Title,User Status\nann@example.com,Ann,Lee,"
        let smartQuotes = Bytes.utf8(titled) + [0x93] + Bytes.utf8("Chief") + [0x94] + Bytes.utf8(",New\n")
        let midFile = Bytes.utf8(text + "bob@example.com,Bo")
        let boundary = chunkBoundaryFile()
        return [
            HostileCase(
                label: "UTF-16 LE without a byte-order mark", content: .bytes(Bytes.utf16LE(text)),
                fate: .failed,
                error: Report.notText(looksLike: "UTF-16 without a byte-order mark"), encoding: "unknown",
                delimiter: "unknown"),
            HostileCase(
                label: "UTF-16 BE without a byte-order mark", content: .bytes(Bytes.utf16BE(text)),
                fate: .failed,
                error: Report.notText(looksLike: "UTF-16 without a byte-order mark"), encoding: "unknown",
                delimiter: "unknown"),
            HostileCase(
                label: "UTF-16 LE with BOM and accented names",
                content: .bytes(
                    [0xFF, 0xFE] + Bytes.utf16LE(header + "\r\nzoe@example.com,Zoë,Ångström,New\r\n")),
                fate: .done, encoding: "UTF-16 LE", rows: [Report.created(2, "zoe@example.com")],
                check: { state in
                    let user = try state.users()["zoe@example.com"]
                    #expect(user?.profile.firstName == "Zoë" && user?.profile.lastName == "Ångström")
                }),
            HostileCase(
                label: "UTF-16 BE with BOM and a character outside the BMP",
                content: .bytes(
                    [0xFE, 0xFF]
                        + Bytes.utf16BE(
                            "Email ID,First Name,Last Name,Department,User Status\nemo@example.com,Emo,Ji,🚀 Launch,New\n"
                        )),
                fate: .done, encoding: "UTF-16 BE", rows: [Report.created(2, "emo@example.com")],
                check: { state in
                    let user = try state.users()["emo@example.com"]
                    #expect(user?.profile.department == "🚀 Launch")
                }),
            HostileCase(
                label: "UTF-16 LE with an odd number of bytes",
                content: .bytes([0xFF, 0xFE] + Bytes.utf16LE(text) + [0x41]), fate: .failed,
                error: Report.invalidUTF16(at: 2 + Bytes.utf16LE(text).count), encoding: "UTF-16 LE",
                lines: [Report.header(1, "Email ID", "Email ID")]),
            HostileCase(
                label: "UTF-16 LE with a lone low surrogate",
                content: .bytes(
                    [0xFF, 0xFE] + Bytes.utf16LE(header + "\nann.lee@example.com,An") + [0x00, 0xDC]
                        + Bytes.utf16LE(",Lee,New\n")),
                fate: .failed,
                error: Report.invalidUTF16(at: 2 + Bytes.utf16LE(header + "\nann.lee@example.com,An").count),
                encoding: "UTF-16 LE", delimiter: "unknown"),
            HostileCase(
                label: "UTF-16 LE ending in a high surrogate",
                content: .bytes([0xFF, 0xFE] + Bytes.utf16LE(text) + [0x3D, 0xD8]), fate: .failed,
                error: Report.invalidUTF16(at: 2 + Bytes.utf16LE(text).count), encoding: "UTF-16 LE"),
            HostileCase(
                label: "UTF-16 LE with a NUL character",
                content: .bytes(
                    [0xFF, 0xFE] + Bytes.utf16LE(header + "\n") + [0, 0] + Bytes.utf16LE(ann + "\n")),
                fate: .failed, error: Report.nul(at: 2 + Bytes.utf16LE(header + "\n").count),
                encoding: "UTF-16 LE",
                delimiter: "unknown"),
            HostileCase(
                label: "UTF-32 LE with BOM reads as UTF-16 and stops at its NUL",
                content: .bytes(
                    [0xFF, 0xFE, 0, 0] + text.unicodeScalars.flatMap { [UInt8($0.value), 0, 0, 0] }),
                fate: .failed, error: Report.nul(at: 2), encoding: "UTF-16 LE", delimiter: "unknown"),
            HostileCase(
                label: "Latin-1 bytes without a fallback", content: .bytes(latin), fate: .failed,
                error: Report.invalidUTF8(at: latinPrefix.count), delimiter: "unknown"),
            HostileCase(
                label: "Latin-1 bytes with FallbackEncoding=latin1", content: .bytes(latin),
                options: ImportOptions(fallbackEncoding: .latin1), fate: .done, encoding: "ISO-8859-1",
                rows: [Report.created(2, "jose@example.com")],
                check: { state in
                    let user = try state.users()["jose@example.com"]
                    #expect(user?.profile.firstName == "José" && user?.profile.lastName == "García")
                }),
            HostileCase(
                label: "Latin-1 fallback turns 0x85 into a C1 control, and the row is rejected",
                content: .bytes(
                    Bytes.utf8(header + "\ndan@example.com,Dan,Doe") + [0x85] + Bytes.utf8(",New\n")),
                options: ImportOptions(fallbackEncoding: .latin1), fate: .done, encoding: "ISO-8859-1",
                rows: [
                    Report.row(2, "dan@example.com", "New", "rejected", Report.control("Last Name", "0085"))
                ]),
            HostileCase(
                label: "windows-1252 smart quotes without a fallback", content: .bytes(smartQuotes),
                fate: .failed,
                error: Report.invalidUTF8(at: Bytes.utf8(titled).count), delimiter: "unknown"),
            HostileCase(
                label: "windows-1252 smart quotes with FallbackEncoding=windows-1252",
                content: .bytes(smartQuotes),
                options: ImportOptions(fallbackEncoding: .windows1252), fate: .done, encoding: "windows-1252",
                rows: [Report.created(2, "ann@example.com")],
                check: { state in
                    let user = try state.users()["ann@example.com"]
                    #expect(user?.profile.title == "“Chief”")
                }),
            HostileCase(
                label: "windows-1252 fallback meets a byte the code page leaves undefined",
                content: .bytes(Bytes.utf8(titled) + [0x81] + Bytes.utf8("x,New\n")),
                options: ImportOptions(fallbackEncoding: .windows1252), fate: .failed,
                error: Report.undefined(at: Bytes.utf8(titled).count, in: "windows-1252"),
                encoding: "windows-1252",
                delimiter: "unknown"),
            HostileCase(
                label: "invalid UTF-8 mid-file after a valid row",
                content: .bytes(midFile + [0xFF] + Bytes.utf8("b,Ray,New\n")), fate: .failed,
                error: Report.invalidUTF8(at: midFile.count), delimiter: "unknown"),
            HostileCase(
                label: "invalid UTF-8 after a UTF-8 BOM is not retried with the fallback",
                content: .bytes(Bytes.bom + latin), options: ImportOptions(fallbackEncoding: .latin1),
                fate: .failed,
                error: Report.invalidUTF8(at: 3 + latinPrefix.count), encoding: "UTF-8 with BOM",
                delimiter: "unknown"),
            HostileCase(
                label: "overlong UTF-8 encoding of a slash",
                content: .bytes(
                    Bytes.utf8(header + "\nann") + [0xC0, 0xAF] + Bytes.utf8("@example.com,Ann,Lee,New\n")),
                fate: .failed, error: Report.invalidUTF8(at: Bytes.utf8(header + "\nann").count),
                delimiter: "unknown"),
            HostileCase(
                label: "UTF-8-encoded surrogate (CESU)",
                content: .bytes(
                    Bytes.utf8(header + "\nann@example.com,A") + [0xED, 0xA0, 0x80] + Bytes.utf8(",Lee,New\n")
                ),
                fate: .failed,
                error: Report.invalidUTF8(at: Bytes.utf8(header + "\nann@example.com,A").count),
                delimiter: "unknown"),
            HostileCase(
                label: "UTF-8 sequence cut off at the end of the file",
                content: .bytes(Bytes.utf8(text + "x") + [0xE2, 0x82]), fate: .failed,
                error: Report.invalidUTF8(at: Bytes.utf8(text).count + 1),
                lines: [Report.header(4, "User Status", "User Status")]),
            HostileCase(
                label:
                    "invalid UTF-8 just past the first 256 KiB chunk, after a character split by the boundary",
                content: .bytes(boundary.bytes), fate: .failed,
                error: Report.invalidUTF8(at: boundary.badOffset),
                lines: [Report.header(1, "Email ID", "Email ID")]),
            HostileCase(
                label: "NUL byte mid-file",
                content: .bytes(Bytes.utf8(text + "bob@example.com,Bob") + [0] + Bytes.utf8(",Ray,New\n")),
                fate: .failed, error: Report.nul(at: Bytes.utf8(text + "bob@example.com,Bob").count),
                delimiter: "unknown"),
            HostileCase(
                label: "NUL byte with a fallback configured is still not text",
                content: .bytes(Bytes.utf8(text) + [0] + latin),
                options: ImportOptions(fallbackEncoding: .latin1),
                fate: .failed, error: Report.nul(at: Bytes.utf8(text).count), delimiter: "unknown"),
            HostileCase(
                label: "NUL byte just past the first 256 KiB chunk",
                content: .bytes(Array(boundary.bytes[..<boundary.badOffset]) + [0] + Bytes.utf8("\n")),
                fate: .failed,
                error: Report.nul(at: boundary.badOffset), lines: [Report.header(1, "Email ID", "Email ID")]),
            HostileCase(
                label: "UTF-8 BOM before a good file", content: .bytes(Bytes.bom + Bytes.utf8(text)),
                fate: .done,
                encoding: "UTF-8 with BOM", rows: [Report.created(2, "ann.lee@example.com")]),
            HostileCase(
                label: "two UTF-8 BOMs: the second is part of the first header cell",
                content: .bytes(Bytes.bom + Bytes.bom + Bytes.utf8(text)), fate: .done,
                encoding: "UTF-8 with BOM",
                rows: [Report.created(2, "ann.lee@example.com")],
                lines: [Report.header(1, "\\u{FEFF}Email ID", "Email ID")]),
        ]
    }()

    /// A good file whose first 256 KiB chunk (the importer's read size) ends inside a three-byte
    /// character, with an invalid byte a little way into the second chunk.
    static func chunkBoundaryFile() -> (bytes: [UInt8], badOffset: Int) {
        let chunk = 256 * 1024
        var bytes = Bytes.utf8(header + "\n")
        var index = 0
        while bytes.count < chunk - 200 {
            bytes += Bytes.utf8("user\(index)@example.com,Ann,Lee,New\n")
            index += 1
        }
        // "€" is E2 82 AC: put its first byte at the chunk's last offset.
        let row = Bytes.utf8("split@example.com,")
        bytes += row + [UInt8](repeating: UInt8(ascii: "a"), count: chunk - 1 - bytes.count - row.count)
        bytes += Bytes.utf8("€,Lee,New\nbad@example.com,B")
        let badOffset = bytes.count
        bytes += [0xFF] + Bytes.utf8("b,Ray,New\n")
        return (bytes, badOffset)
    }

    // MARK: - Not text at all (the README's "What happens to a file": not text / bad encoding, empty, no header)

    static let binaries: [HostileCase] = {
        let xlsx: [UInt8] =
            [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00]
            + Bytes.utf8("[Content_Types].xml") + [UInt8](repeating: 0, count: 32)
        let pdf =
            Bytes.utf8("%PDF-1.7\n%") + [0xE2, 0xE3, 0xCF, 0xD3]
            + Bytes.utf8("\n1 0 obj\n<< /Type /Catalog >>\n")
        let ole: [UInt8] =
            [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 56)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]
        let gzip: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]
        let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]
        func binary(_ label: String, _ bytes: [UInt8], _ error: String, encoding: String = "unknown")
            -> HostileCase
        {
            HostileCase(
                label: label, content: .bytes(bytes), fate: .failed, error: error, encoding: encoding,
                delimiter: "unknown")
        }
        return [
            binary(
                "an XLSX workbook renamed .csv", xlsx,
                Report.notText(looksLike: "a ZIP archive (an .xlsx or .ods spreadsheet?)")),
            binary("a PDF renamed .csv", pdf, Report.notText(looksLike: "a PDF document")),
            binary(
                "an old .xls workbook renamed .csv", ole,
                Report.notText(looksLike: "an old Excel .xls workbook")),
            binary("a PNG renamed .csv", png, Report.invalidUTF8(at: 0), encoding: "UTF-8"),
            binary("a gzip stream renamed .csv", gzip, Report.invalidUTF8(at: 1), encoding: "UTF-8"),
            binary("an ELF executable renamed .csv", elf, Report.nul(at: 7), encoding: "UTF-8"),
            binary("zero bytes", [], Report.empty),
            binary(
                "only blank lines of every ending", Bytes.utf8("\n\r\n\r\n   \n\t\t\n"), Report.onlyBlank,
                encoding: "UTF-8"),
            binary("a UTF-8 BOM and nothing else", Bytes.bom, Report.onlyBlank, encoding: "UTF-8 with BOM"),
            binary(
                "UTF-16 LE BOM and blank lines", [0xFF, 0xFE] + Bytes.utf16LE("\r\n\r\n"), Report.onlyBlank,
                encoding: "UTF-16 LE"),
        ]
    }()
}
