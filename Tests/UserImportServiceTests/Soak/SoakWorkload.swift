import Foundation
import SeededRandom

extension SplitMix64 {
    mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < probability
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[Int.random(in: 0..<items.count, using: &self)]
    }
}

/// One data row as the generator wrote it: the cells, and which single defect it has, if any.
struct SoakRow {
    enum Defect {
        case none, invalidEmail, unknownStatus, wrongFieldCount, missingName
    }

    var defect: Defect
    var email: String
    var status: String
    var first: String
    var last: String
    var alternateID: String
    var workPhone: String
    var title: String
    var department: String
}

/// One generated drop: its name, its bytes, and what the model needs to know about it.
struct SoakFile {
    var index: Int
    var name: String
    var bytes: [UInt8]
    /// The data rows, in file order (line 2, 3, …); empty for a file that fails as a whole.
    var rows: [SoakRow]
    /// A file-level error (wrong extension, empty, missing column, unterminated quote): nothing applies.
    var failsAsAWhole: Bool
    /// What it is, for the soak's own summary.
    var kind: String
}

/// Generates the soak's files: mixed sizes (log-uniform, 1 … `maxRows` rows, a few header-only),
/// New first and Update/Delete/Activate mixing in later, some invalid rows, a few exact duplicates
/// of earlier files, a few names reused after the earlier file of that name is gone, and a few
/// file-level failures. Delimiter, line ending, column order and header case vary per file.
struct SoakWorkload {
    static let columns = [
        "Email ID", "First Name", "Last Name", "Alternate ID", "Work Phone", "Title", "Department",
        "User Status",
    ]
    static let firstNames = ["Ann", "Bob", "Chloé", "Dmitri", "Eve", "Fatima", "Gao", "Hiro", "Iris", "José"]
    static let lastNames = [
        "Lee", "O'Brien, Jr.", "Smith", "Müller", "Nguyen", "Okafor", "Rossi", "Ann \"Al\" Ray",
    ]
    static let titles = ["Engineer", "Manager", "VP, Sales", "Clerk", "Analyst", ""]
    static let departments = ["Finance", "R&D", "Sales; EMEA", "Support|Tier 2", "HR", ""]

    var random: SplitMix64
    let fileCount: Int
    let maxRows: Int
    private var pool: [String] = []
    private var nextUser = 0
    private var failures = 0

    init(seed: UInt64, fileCount: Int, maxRows: Int) {
        random = SplitMix64(seed: seed)
        self.fileCount = fileCount
        self.maxRows = maxRows
    }

    mutating func files() -> [SoakFile] {
        var result: [SoakFile] = []
        for index in 0..<fileCount {
            result.append(file(index, earlier: result))
        }
        return result
    }

    private mutating func file(_ index: Int, earlier: [SoakFile]) -> SoakFile {
        let stem = String(format: "f%04d", index)
        let roll = Double.random(in: 0..<1, using: &random)
        let csvEarlier = earlier.filter { $0.name.lowercased().hasSuffix(".csv") }
        if index >= 10 && roll < 0.05, let original = csvEarlier.randomElement(using: &random) {
            var copy = original
            copy.index = index
            copy.name = stem + "-copy.csv"
            copy.kind = "duplicate"
            return copy
        }
        if index >= 10 && roll < 0.11 {
            return failing(index, stem: stem)
        }
        let rowCount: Int
        if roll < 0.14 {
            rowCount = 0
        } else {
            // Log-uniform: many small files, a few large ones.
            rowCount = Int(exp(Double.random(in: 0...log(Double(maxRows)), using: &random)).rounded())
        }
        let rows = (0..<rowCount).map { _ in row(progress: Double(index) / Double(fileCount)) }
        var name = stem + random.pick([".csv", ".csv", ".txt", ".CSV"])
        // A name used before, once the earlier file of that name has left the inbox (the soak waits).
        if index >= 10 && roll > 0.95, let reused = csvEarlier.randomElement(using: &random) {
            name = reused.name
        }
        let bytes = render(rows, columns: Self.columns)
        return SoakFile(
            index: index, name: name, bytes: bytes, rows: rows, failsAsAWhole: false,
            kind: rowCount == 0 ? "header only" : "rows")
    }

    private mutating func failing(_ index: Int, stem: String) -> SoakFile {
        let rows = (0..<Int.random(in: 1...50, using: &random)).map { _ in row(progress: 0) }
        failures += 1
        switch failures % 4 {
        case 0:
            return SoakFile(
                index: index, name: stem + ".json", bytes: render(rows, columns: Self.columns), rows: [],
                failsAsAWhole: true, kind: "wrong extension")
        case 1:
            return SoakFile(
                index: index, name: stem + ".csv", bytes: [], rows: [], failsAsAWhole: true, kind: "empty")
        case 2:
            let columns = Self.columns.filter { $0 != "User Status" }
            return SoakFile(
                index: index, name: stem + ".csv", bytes: render(rows, columns: columns), rows: [],
                failsAsAWhole: true, kind: "missing column")
        default:
            let bytes =
                render(rows, columns: Self.columns) + Array("\"never closed, x, y, , , , , New\n".utf8)
            return SoakFile(
                index: index, name: stem + ".csv", bytes: bytes, rows: [], failsAsAWhole: true,
                kind: "unterminated quote")
        }
    }

    private mutating func freshEmail() -> String {
        nextUser += 1
        let email =
            random.chance(0.5) ? "user\(nextUser)@example.com" : "first.last\(nextUser)@corp.example.org"
        pool.append(email)
        return email
    }

    /// The address as a person might type it: the key, sometimes with capitals.
    private mutating func written(_ email: String) -> String {
        random.chance(0.1) ? email.uppercased() : email
    }

    private mutating func row(progress: Double) -> SoakRow {
        let status: String
        let roll = Double.random(in: 0..<1, using: &random)
        if progress < 0.15 {
            status = roll < 0.9 ? "New" : roll < 0.95 ? "Update" : "Activate"
        } else {
            status = roll < 0.35 ? "New" : roll < 0.6 ? "Update" : roll < 0.85 ? "Activate" : "Delete"
        }
        var email: String
        if pool.isEmpty || (status == "New" && random.chance(0.8)) {
            email = freshEmail()
        } else {
            email = random.pick(pool)
        }
        email = written(email)
        let writesProfile = status == "New" || status == "Update"
        var row = SoakRow(
            defect: .none, email: email, status: random.chance(0.1) ? status.lowercased() : status,
            first: writesProfile || random.chance(0.5) ? random.pick(Self.firstNames) : "",
            last: writesProfile || random.chance(0.5) ? random.pick(Self.lastNames) : "",
            alternateID: random.chance(0.5) ? "A\(Int.random(in: 1...999, using: &random))" : "",
            workPhone: random.chance(0.5) ? "800-555-\(Int.random(in: 1000...9999, using: &random))" : "",
            title: random.pick(Self.titles),
            department: random.pick(Self.departments))
        if random.chance(0.05) {
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                row.defect = .invalidEmail
                row.email = random.pick([
                    "no-at-sign.example.com", "double..dot@example.com", "nodot@localhost", "x.@example.com",
                ])
            case 1:
                row.defect = .unknownStatus
                row.status = "Suspend"
            case 2:
                row.defect = .wrongFieldCount
            default:
                row.defect = .missingName
                row.status = "Update"
                row.first = ""
            }
        }
        return row
    }

    /// The file's bytes: header then rows, in a random column order, delimiter and line ending.
    private mutating func render(_ rows: [SoakRow], columns: [String]) -> [UInt8] {
        let delimiter = random.pick([",", ";", "\t", "|"])
        let newline = random.chance(0.2) ? "\r\n" : "\n"
        let order = columns.shuffled(using: &random)
        let upper = random.chance(0.3)
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 100 + 200)
        func cell(_ value: String) -> String {
            guard value.contains(delimiter) || value.contains("\"") || value.contains(",") else {
                return value
            }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        out += Array(order.map { upper ? $0.uppercased() : $0 }.joined(separator: delimiter).utf8)
        out += Array(newline.utf8)
        for row in rows {
            var cells = order.map { column -> String in
                switch column {
                case "Email ID": return row.email
                case "First Name": return row.first
                case "Last Name": return row.last
                case "Alternate ID": return row.alternateID
                case "Work Phone": return row.workPhone
                case "Title": return row.title
                case "Department": return row.department
                default: return row.status
                }
            }
            if row.defect == .wrongFieldCount { cells.removeLast() }
            out += Array(cells.map(cell).joined(separator: delimiter).utf8)
            out += Array(newline.utf8)
        }
        return out
    }
}

/// The INDEPENDENT model of the README's "The input format", "What happens to a file" the soak checks the daemon against: plain code over the
/// generated rows, sharing nothing with the product's RowRules or Importer.
struct SoakModel {
    struct User: Equatable, CustomStringConvertible {
        var first, last, alternateID, workPhone, title, department: String
        var state: String

        var description: String {
            "\(state) \(first)|\(last)|\(alternateID)|\(workPhone)|\(title)|\(department)"
        }
    }

    /// What one file should have done.
    struct Expected {
        var disposition: String
        /// (line, outcome) for every data row recorded; empty unless the file was imported.
        var rows: [(line: Int, outcome: String)]
        var counts: [String: Int]
        /// (line, kind, email key) of every email queued.
        var emails: [(line: Int, kind: String, email: String)]
    }

    private(set) var users: [String: User] = [:]
    private var importedContents = Set<[UInt8]>()

    mutating func apply(_ file: SoakFile) -> Expected {
        if file.failsAsAWhole {
            return Expected(disposition: "failed", rows: [], counts: [:], emails: [])
        }
        if importedContents.contains(file.bytes) {
            return Expected(disposition: "duplicate", rows: [], counts: [:], emails: [])
        }
        importedContents.insert(file.bytes)
        var expected = Expected(disposition: "done", rows: [], counts: [:], emails: [])
        for (offset, row) in file.rows.enumerated() {
            let line = offset + 2
            let (outcome, email) = apply(row, line: line)
            expected.rows.append((line, outcome))
            expected.counts[outcome, default: 0] += 1
            if let email { expected.emails.append(email) }
        }
        return expected
    }

    /// A row's outcome and the email it queues.
    private mutating func apply(_ row: SoakRow, line: Int) -> (String, (Int, String, String)?) {
        switch row.defect {
        case .invalidEmail: return ("ignored", nil)
        case .unknownStatus, .wrongFieldCount, .missingName: return ("rejected", nil)
        case .none: break
        }
        let key = row.email.lowercased()
        let existing = users[key].flatMap { $0.state == "deleted" ? nil : $0 }
        switch (row.status.lowercased(), existing) {
        case ("new", nil):
            users[key] = User(
                first: row.first, last: row.last, alternateID: row.alternateID, workPhone: row.workPhone,
                title: row.title, department: row.department, state: "invited")
            return ("created", (line, "invitation", key))
        case ("new", let user?):
            users[key] = filledIn(user, from: row)
            return ("updated", nil)
        case ("update", let user?):
            let updated = filledIn(user, from: row)
            users[key] = updated
            return (updated == user ? "unchanged" : "updated", nil)
        case ("delete", var user?):
            user.state = "deleted"
            users[key] = user
            return ("deleted", nil)
        case ("activate", var user?):
            guard user.state == "invited" else { return ("unchanged", nil) }
            user.state = "active"
            users[key] = user
            return ("activated", (line, "activation", key))
        default:
            return ("rejected", nil)
        }
    }

    /// An empty cell means "no change".
    private func filledIn(_ user: User, from row: SoakRow) -> User {
        var result = user
        if !row.first.isEmpty { result.first = row.first }
        if !row.last.isEmpty { result.last = row.last }
        if !row.alternateID.isEmpty { result.alternateID = row.alternateID }
        if !row.workPhone.isEmpty { result.workPhone = row.workPhone }
        if !row.title.isEmpty { result.title = row.title }
        if !row.department.isEmpty { result.department = row.department }
        return result
    }
}
