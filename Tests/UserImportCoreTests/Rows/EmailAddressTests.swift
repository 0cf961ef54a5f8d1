import Testing
import UserImportCore

struct EmailAddressTests {
    static let local64 = String(repeating: "l", count: 64)
    /// 63 + 1 + 63 + 1 + 61 = 189 octets: with a 64-octet local part the address is 254 octets.
    static let domain189 =
        String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + "."
        + String(repeating: "c", count: 61)

    @Test(arguments: [
        ("john.doe@example.com", "john.doe@example.com"),
        ("John.Doe@Example.COM", "john.doe@example.com"),
        ("jane+hr-import@example.com", "jane+hr-import@example.com"),
        ("user123@mail2.example.co.uk", "user123@mail2.example.co.uk"),
        ("a@my-host.example-corp.com", "a@my-host.example-corp.com"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com"),
        ("x@a.b", "x@a.b"),
        ("1@2.3", "1@2.3"),
        (local64 + "@example.com", local64 + "@example.com"),
        (local64 + "@" + domain189, local64 + "@" + domain189),
    ])
    func validAddress(address: String, key: String) {
        #expect(EmailAddress.key(for: address) == key)
    }

    @Test func lengthLimitsAreInclusive() throws {
        let longest = Self.local64 + "@" + Self.domain189
        try #require(longest.utf8.count == 254)
        #expect(EmailAddress.key(for: longest) == longest)
        #expect(EmailAddress.key(for: longest + "c") == nil)
        #expect(EmailAddress.key(for: "L" + Self.local64 + "@example.com") == nil)
        #expect(EmailAddress.key(for: String(repeating: "L", count: 64) + "@example.com") != nil)
    }

    @Test(arguments: [
        "",
        "john.example.com",
        "@example.com",
        "john@",
        "john@doe@example.com",
        ".john@example.com",
        "john.@example.com",
        "jo..hn@example.com",
        "\"john doe\"@example.com",
        "\"john\"@example.com",
        "john@[1.2.3.4]",
        "john@[IPv6:::1]",
        "john@localhost",
        "john@-example.com",
        "john@example-.com",
        "john@example.-com",
        "john@example..com",
        "john@.example.com",
        "john@example.com.",
        "john@exa_mple.com",
        String(repeating: "l", count: 65) + "@example.com",
        local64 + "@" + domain189 + "c",
        "jöhn@example.com",
        "john@exämple.com",
        "john@例え.jp",
        "john doe@example.com",
        "john@exa mple.com",
        " john@example.com ",
        "john@example.com\n",
        "john@" + String(repeating: "a", count: 64) + ".com",
    ])
    func invalidAddress(address: String) {
        #expect(EmailAddress.key(for: address) == nil)
    }
}
