/// The key `user EMAIL` finds an address's rows by (table `lineage_keys`): 31 bits of the FNV-1a
/// hash of the address's UTF-8 bytes. SQLite stores such a number in 4 bytes where the address
/// itself took 20 to 40; two addresses that share a key only cost decoding one more chunk, since
/// every row found is compared byte for byte. The function is part of the stored data: never
/// change it (a new one is a new table, filled again). The PostgreSQL store keeps the same keys.
public enum LineageKey {
    public static func of(email: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in email.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int64((hash ^ (hash >> 32)) & 0x7fff_ffff)
    }

    /// The keys of the addresses a stored chunk names, each once: what indexing adds for the
    /// chunk and pruning removes with it.
    public static func keys(ofChunk bytes: [UInt8], firstLine: Int64, rowCount: Int64) throws -> Set<Int64> {
        Set(try RowChunk.decode(bytes, firstLine: firstLine, rowCount: rowCount).map { of(email: $0.email) })
    }
}
