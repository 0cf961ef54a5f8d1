/// The `User Status` column: what the row asks to do to the account.
public enum UserStatus: String, Sendable, CaseIterable, Codable {
    case new = "New"
    case update = "Update"
    case delete = "Delete"
    case activate = "Activate"

    /// Case-insensitive, as the seed console accepts it.
    public init?(cell: String) {
        // ASCII case folding is enough: no other character lower-cases to one of these letters.
        func asciiLower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte + 0x20 : byte }
        guard
            let status = UserStatus.allCases.first(where: {
                $0.rawValue.utf8.elementsEqual(cell.utf8) { asciiLower($0) == asciiLower($1) }
            })
        else { return nil }
        self = status
    }
}
