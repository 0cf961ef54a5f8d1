import Glibc

/// The login name of a UID, from the system's user database (NSS), for records that say who did
/// something; nil when the UID has no entry.
enum AccountName {
    static func of(uid: UInt32) -> String? {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        let status = getpwuid_r(uid, &entry, &buffer, buffer.count, &found)
        guard status == 0, found != nil, let name = entry.pw_name else { return nil }
        return String(cString: name)
    }
}
