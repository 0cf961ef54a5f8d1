import Foundation
import UserImportCore
import UserImportStore

/// A real SQLite file in a private temp directory.
final class StoreTestDatabase {
    let directory: String
    var path: String { directory + "/test.sqlite" }

    init() throws {
        var template = Array((NSTemporaryDirectory() + "userimport-store-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw StoreTestFailure("mkdtemp failed") }
        directory = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func open(readOnly: Bool = false) throws -> ImportDatabase {
        try ImportDatabase(path: path, readOnly: readOnly)
    }
}

struct StoreTestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

let sampleTime = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)

func sampleUser(_ email: String, state: UserState = .invited, title: String = "") -> StoredUser {
    StoredUser(
        email: email, profile: UserProfile(firstName: "Ada", lastName: "Lovelace", title: title), state: state
    )
}
