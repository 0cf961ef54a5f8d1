import Glibc
import SeededRandom

/// Deterministic test data: a seeded generator, realistic names (some non-ASCII, some needing
/// quotes), 1 % invalid emails, emails in random order (a permutation, so all distinct).
struct BenchData {
    private var random: SplitMix64

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    mutating func next() -> UInt64 {
        random.next()
    }

    static let firstNames = [
        "Ada", "Grace", "Linus", "Zoë", "José", "Ñuria", "Björn", "Søren", "Ana María", "Jean-Luc", "Mei",
        "王", "Olúwaseun", "Łukasz", "Chloé", "Dmitri", "Aisha", "Émile", "Noah", "Liam",
    ]
    static let lastNames = [
        "Lovelace", "Hopper", "Torvalds", "Núñez", "O'Brien", "Smith, Jr.", "Müller", "García", "Kowalski",
        "Nakamura", "Dubois", "Ivanov", "Okafor", "Rossi", "Singh", "van der Berg", "Johansson", "Lee",
    ]
    static let titles = ["Engineer", "Manager", "Analyst", "\"Chief\" Officer", "Designer", "Director", ""]
    static let departments = ["R&D", "Sales", "Finance", "Operations", "HR", "Legal", "Support"]

    /// The email of user `index` out of `count`, visited in a scrambled (but bijective) order.
    static func email(_ index: Int, of count: Int, offset: Int = 0) -> String {
        let scrambled = (UInt64(index) &* 2_654_435_761 &+ 12_345) % UInt64(max(count, 1))
        return "user\(Int(scrambled) + offset)@example.com"
    }

    static func quoted(_ value: String) -> String {
        value.contains(",") || value.contains("\"")
            ? "\"" + value.replacing("\"", with: "\"\"") + "\"" : value
    }

    /// Writes a file of `count` rows with `status`, streaming (constant memory).
    mutating func writeFile(
        path: String, count: Int, status: (Int) -> String, emailOffset: Int = 0,
        invalidEveryHundred: Bool = true
    ) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("cannot create \(path)") }
        defer { close(fd) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        buffer += Array(
            "Email ID,First Name,Last Name,Alternate ID,Work Phone,Title,Department,User Status\n".utf8)
        for index in 0..<count {
            var email = Self.email(index, of: count, offset: emailOffset)
            if invalidEveryHundred && index % 100 == 99 { email = "invalid.\(index)@@example" }
            let first = Self.firstNames[Int(next() % UInt64(Self.firstNames.count))]
            let last = Self.lastNames[Int(next() % UInt64(Self.lastNames.count))]
            let title = Self.titles[Int(next() % UInt64(Self.titles.count))]
            let department = Self.departments[Int(next() % UInt64(Self.departments.count))]
            let phone = "+1 555 \(100 + next() % 900) \(1000 + next() % 9000)"
            let line =
                "\(email),\(Self.quoted(first)),\(Self.quoted(last)),E\(index),\(phone),\(Self.quoted(title)),"
                + "\(department),\(status(index))\n"
            buffer += Array(line.utf8)
            if buffer.count > (1 << 20) - 512 {
                try write(fd, &buffer, path)
            }
        }
        try write(fd, &buffer, path)
    }

    private func write(_ fd: Int32, _ buffer: inout [UInt8], _ path: String) throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw BenchError("cannot write \(path)") }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
