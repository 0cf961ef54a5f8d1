import UserImportCore

extension HostileCorpus {
    // MARK: - File names (bytes, not text: the README's "The input format" names, "What happens to a file" reports; FileName.display)

    static let names: [HostileCase] = {
        let good = csv(ann)
        func named(_ label: String, _ name: [UInt8], shown: String, stored: String) -> HostileCase {
            HostileCase(
                label: label, fileName: FileName(bytes: name), content: .bytes(good), fate: .done,
                rows: [Report.created(2, "ann.lee@example.com")],
                lines: [Report.field("File:", shown), Report.field("Stored as:", stored)])
        }
        func left(_ label: String, _ name: String) -> HostileCase {
            HostileCase(label: label, fileName: FileName(name), content: .bytes(good), fate: .leftInInbox)
        }
        func refused(_ label: String, _ name: [UInt8], shown: String, error: String) -> HostileCase {
            HostileCase(
                label: label, fileName: FileName(bytes: name), content: .bytes(good), fate: .failed,
                error: error,
                encoding: "unknown", delimiter: "unknown", lines: [Report.field("File:", shown)])
        }
        let long = String(repeating: "u", count: 251) + ".csv"
        let longWide = "a" + String(repeating: "é", count: 125) + ".csv"
        return [
            named(
                "a newline in the name", Bytes.utf8("new\nline.csv"), shown: "new\\nline.csv",
                stored: "done/new\\nline.csv"),
            named(
                "a leading dash", Bytes.utf8("-rf --no-preserve-root.csv"),
                shown: "'-rf --no-preserve-root.csv",
                stored: "done/-rf --no-preserve-root.csv"),
            named(
                "spaces around the name", Bytes.utf8("  users list  .csv"), shown: "  users list  .csv",
                stored: "done/  users list  .csv"),
            named(
                "a Unicode name", Bytes.utf8("użytkownicy 日本語 🚀.csv"), shown: "użytkownicy 日本語 🚀.csv",
                stored: "done/użytkownicy 日本語 🚀.csv"),
            named(
                "invalid UTF-8 bytes in the name",
                Bytes.utf8("caf") + [0xE9, 0x20, 0xFF] + Bytes.utf8(".csv"),
                shown: "caf\\xE9 \\xFF.csv", stored: "done/caf\\xE9 \\xFF.csv"),
            named("a tab in the name", Bytes.utf8("a\tb.csv"), shown: "a\\tb.csv", stored: "done/a\\tb.csv"),
            named(
                "a right-to-left override in the name", Bytes.utf8("invoice\u{202E}vsc.txt"),
                shown: "invoice\\u{202E}vsc.txt", stored: "done/invoice\\u{202E}vsc.txt"),
            named(
                "a formula as the name", Bytes.utf8("=1+1.csv"), shown: "'=1+1.csv", stored: "done/=1+1.csv"),
            named(
                "a 255-byte name: stored shortened so the names beside it fit", Bytes.utf8(long), shown: long,
                stored: "done/" + String(repeating: "u", count: 238) + ".csv"),
            named(
                "a 255-byte name of two-byte letters: shortened on a character boundary",
                Bytes.utf8(longWide),
                shown: longWide, stored: "done/a" + String(repeating: "é", count: 118) + ".csv"),
            named("upper-case .TXT", Bytes.utf8("USERS.TXT"), shown: "USERS.TXT", stored: "done/USERS.TXT"),
            named(
                "a name that looks like a report", Bytes.utf8("x.report.txt"), shown: "x.report.txt",
                stored: "done/x.report.txt"),
            HostileCase(
                label: "a name that is an earlier file's report name", fileName: FileName("x.csv.report.txt"),
                content: .bytes(good), setup: [HostileCase.Setup(name: FileName("x.csv"), bytes: csv())],
                fate: .done, rows: [Report.created(2, "ann.lee@example.com")],
                lines: [Report.field("Stored as:", "done/x.csv.report.2.txt")]),
            left("an in-progress .part upload", "users.csv.part"),
            left("a hidden file", ".users.csv"),
            left("an editor backup", "users.csv~"),
            refused(
                "a formula and a newline in a wrong-extension name", Bytes.utf8("=evil\n.exe"),
                shown: "'=evil\\n.exe",
                error: "'" + Report.wrongExtension("=evil\\n.exe")),
            refused(
                ".csv inside the name but not at its end", Bytes.utf8("users.csv.exe"),
                shown: "users.csv.exe",
                error: Report.wrongExtension("users.csv.exe")),
            refused(
                "invalid UTF-8 and a wrong extension", [0xFF, 0xFE] + Bytes.utf8(".xls"),
                shown: "\\xFF\\xFE.xls",
                error: Report.wrongExtension("\\xFF\\xFE.xls")),
        ]
    }()
}
