import Testing
import UserImportCore

struct SpreadsheetSafeTests {
    @Test(arguments: [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+31 20 555 0100", "'+31 20 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ])
    func formulaPrefixGetsAnApostrophe(value: String, safe: String) {
        #expect(SpreadsheetSafe.text(value) == safe)
    }

    @Test(arguments: ["ann@example.com", "a=b", "Smith-Jones", "Zoë 😀", "'quoted", "", "1+1"])
    func ordinaryTextIsUnchanged(value: String) {
        #expect(SpreadsheetSafe.text(value) == value)
    }

    @Test(arguments: [
        ("a\tb", "a\\tb"),
        ("a\nb", "a\\nb"),
        ("a\rb", "a\\rb"),
        ("a\r\nb", "a\\r\\nb"),
        ("a\u{0}b", "a\\u{0}b"),
        ("a\u{1B}[31mb", "a\\u{1B}[31mb"),
        ("a\u{7F}b", "a\\u{7F}b"),
        ("a\u{85}b", "a\\u{85}b"),
        ("a\u{202E}gpj.exe", "a\\u{202E}gpj.exe"),
        ("a\u{2066}b", "a\\u{2066}b"),
        ("\u{FEFF}a", "\\u{FEFF}a"),
    ])
    func controlsAreEscapedVisibly(value: String, safe: String) {
        #expect(SpreadsheetSafe.text(value) == safe)
    }

    @Test func noControlCharacterSurvives() {
        let value = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let safe = SpreadsheetSafe.text(value)
        #expect(!safe.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    }

    @Test func escapedFormulaStillGetsAnApostrophe() {
        #expect(SpreadsheetSafe.text("=1\n+2") == "'=1\\n+2")
    }
}
