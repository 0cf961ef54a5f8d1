import UserImportCore

/// Reads systemd-style configuration text (`[Section]`, `Key=Value`, `#`/`;` comments), as
/// journald.conf does. Pure: the loader hands it text, it changes a `Configuration`.
public enum ConfigParser {
    public static func apply(_ text: String, file: String, to configuration: inout Configuration) throws {
        var section = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw ConfigError(
                        file: file, line: lineNumber, message: "a section header must end with ]")
                }
                section = String(line.dropFirst().dropLast())
                guard sections.contains(section) else {
                    throw ConfigError(
                        file: file, line: lineNumber,
                        message: "unknown section [\(section)]; known: "
                            + sections.map { "[\($0)]" }.joined(separator: ", "))
                }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigError(file: file, line: lineNumber, message: "expected Key=Value")
            }
            let key = String(line[..<equals]).trimmingWhitespace()
            let value = String(line[line.index(after: equals)...]).trimmingWhitespace()
            guard !section.isEmpty else {
                throw ConfigError(
                    file: file, line: lineNumber, key: key, message: "the key must be inside a [Section]")
            }
            do {
                try set(section: section, key: key, value: value, in: &configuration)
            } catch let problem as ValueProblem {
                throw ConfigError(
                    file: file, line: lineNumber, key: "[\(section)] \(key)", message: problem.message)
            }
        }
    }

    static let sections = ["Paths", "Database", "Import", "Guard", "Report", "Mail", "Log", "History"]

    struct ValueProblem: Error {
        let message: String
    }

    private static func set(section: String, key: String, value: String, in c: inout Configuration) throws {
        switch (section, key) {
        case ("Paths", "StateDirectory"):
            c.paths = StatePaths(stateDirectory: try path(value))
        case ("Paths", "Inbox"): c.paths.inbox = try path(value)
        case ("Paths", "Done"): c.paths.done = try path(value)
        case ("Paths", "Failed"): c.paths.failed = try path(value)
        case ("Paths", "Held"): c.paths.held = try path(value)
        case ("Paths", "Work"): c.paths.work = try path(value)
        case ("Paths", "Database"): c.paths.database = try path(value)
        case ("Database", "Backend"):
            c.database.backend = try choice(value, DatabaseSettings.Backend.allCases)
        case ("Database", "URL"): c.database.url = try connectionString(value)
        case ("Database", "TakeoverAfter"):
            c.database.takeoverAfterMilliseconds =
                value.isEmpty ? nil : try milliseconds(value, at: 1000...86_400_000)
        case ("Import", "SettleTime"): c.settleTimeMilliseconds = try milliseconds(value, at: 0...3_600_000)
        case ("Import", "RescanInterval"):
            c.rescanIntervalMilliseconds = try milliseconds(value, at: 1000...86_400_000)
        case ("Import", "MaxFileSize"): c.maxFileSize = try bytes(value, at: 1...(1 << 50))
        case ("Import", "MaxRows"): c.options.maxRows = try count(value)
        // At most 128M: a rejected record's cells are kept with its row, its email and status
        // once more beside them, and one row must fit a stored value on either backend.
        case ("Import", "MaxRecordBytes"): c.options.maxRecordBytes = try bytes(value, at: 16...(1 << 27))
        case ("Import", "Strict"): c.options.strict = try boolean(value)
        case ("Import", "DuplicatePolicy"): c.duplicatePolicy = try choice(value, DuplicatePolicy.allCases)
        case ("Import", "FallbackEncoding"):
            if value.isEmpty {
                c.options.fallbackEncoding = nil
            } else {
                guard let encoding = InputEncoding.fallback(named: value) else {
                    throw ValueProblem(
                        message: "unknown encoding \"\(value)\"; use windows-1252 or ISO-8859-1")
                }
                c.options.fallbackEncoding = encoding
            }
        case ("Guard", "MaxDeletePercent"):
            c.options.massChange.maxDeletePercent = try number(value, at: 0...100)
        case ("Guard", "MinUsersForPercent"): c.options.massChange.minUsersForPercent = try count(value)
        case ("Guard", "MaxDeleteRows"):
            c.options.massChange.maxDeleteRows = value.isEmpty ? nil : try count(value)
        case ("Mail", "Transport"): c.mail.transport = try choice(value, MailSettings.Transport.allCases)
        case ("Mail", "From"):
            guard EmailAddress.isValidSender(value) else {
                throw ValueProblem(message: "not a valid address (such as userimportd@example.com)")
            }
            c.mail.from = value
        case ("Mail", "Sendmail"): c.mail.sendmail = try path(value)
        case ("Mail", "Maildir"): c.mail.maildir = value.isEmpty ? nil : try path(value)
        case ("Mail", "Templates"): c.mail.templates = try path(value)
        case ("Mail", "MaxPerMinute"): c.mail.maxPerMinute = try count(value)
        case ("Mail", "MaxAttempts"): c.mail.maxAttempts = try count(value)
        case ("Mail", "RetryInterval"):
            c.mail.retryIntervalMilliseconds = try milliseconds(value, at: 1...3_600_000)
        case ("History", "KeepRowResults"):
            // A unit is required: a bare 400 would be seconds here, and pruning cannot be taken back.
            if value.lowercased() == "infinity" {
                c.keepRowResultsMilliseconds = nil
            } else {
                guard value.last?.isLetter == true else {
                    throw ValueProblem(message: "give a unit, such as 400d (days), or infinity")
                }
                c.keepRowResultsMilliseconds = try milliseconds(value, at: 1...(100 * 365 * 86_400_000))
            }
        case ("Log", "Level"):
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(value.lowercased()) else {
                throw ValueProblem(message: "use one of " + levels.joined(separator: ", "))
            }
            c.logLevel = value.lowercased()
        default:
            throw ValueProblem(message: "unknown key in [\(section)]")
        }
    }

    /// A libpq connection string or URL; a password in it is refused, since the file is readable
    /// by more than the daemon: libpq reads it from a passfile (PGPASSFILE, which a systemd
    /// credential can provide) instead.
    private static func connectionString(_ value: String) throws -> String {
        // libpq allows spaces around a key's =; the URL form takes password= as a parameter.
        let lower = value.lowercased().filter { !$0.isWhitespace }
        var inURL = false
        if let scheme = value.range(of: "://") {
            // postgresql://user:secret@host/db: a colon in what comes before the @ of the authority.
            let authority = value[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@") { inURL = authority[..<at].contains(":") }
        }
        if lower.contains("password=") || inURL {
            throw ValueProblem(
                message:
                    "the password must not be in the configuration; put it in a passfile "
                    + "(PGPASSFILE, for example from a systemd credential) and leave it out here")
        }
        return value
    }

    private static func path(_ value: String) throws -> String {
        guard value.hasPrefix("/") || value.hasPrefix("./") || value.hasPrefix("../") else {
            throw ValueProblem(message: "must be a path (absolute, or relative starting with ./)")
        }
        return value
    }

    private static func choice<T: RawRepresentable>(_ value: String, _ all: [T]) throws -> T
    where T.RawValue == String {
        guard let match = all.first(where: { $0.rawValue == value.lowercased() }) else {
            throw ValueProblem(message: "use one of " + all.map(\.rawValue).joined(separator: ", "))
        }
        return match
    }

    static func boolean(_ value: String) throws -> Bool {
        switch value.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default: throw ValueProblem(message: "use yes or no")
        }
    }

    static func count(_ value: String) throws -> Int {
        guard let number = Int(value), number > 0, number <= 1_000_000_000 else {
            throw ValueProblem(message: "must be a whole number from 1 to 1000000000")
        }
        return number
    }

    /// A whole number within `range` (MaxDeletePercent=0 holds every file that deletes anyone).
    static func number(_ value: String, at range: ClosedRange<Int>) throws -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw ValueProblem(
                message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// `1G`, `512M`, `64K`, `1024` (bytes; binary multiples as systemd uses them), within `range`.
    static func bytes(_ value: String, at range: ClosedRange<Int>) throws -> Int {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(value)
        var multiplier = 1
        if let last = value.last?.uppercased().first, let unit = units[last] {
            multiplier = unit
            digits = digits.dropLast()
        }
        guard let number = Int(digits), number > 0 else {
            throw ValueProblem(message: "must be a size such as 1048576, 64K, 512M or 1G")
        }
        let (total, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow, range.contains(total) else {
            throw ValueProblem(
                message: "must be a size from \(range.lowerBound) to \(range.upperBound) bytes")
        }
        return total
    }

    /// `1s`, `200ms`, `2min`, `1h`, `400d`, `1.5s`, or a bare number of seconds (systemd's time spans),
    /// within `range` milliseconds.
    static func milliseconds(_ value: String, at range: ClosedRange<Int>) throws -> Int {
        let units: [(String, Double)] = [
            ("ms", 1), ("min", 60_000), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ]
        let text = value.lowercased().trimmingWhitespace()
        var result: Double?
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count).trimmingWhitespace()) {
                result = number * factor
                break
            }
        }
        if result == nil, let seconds = Double(text) { result = seconds * 1000 }
        guard let milliseconds = result else {
            throw ValueProblem(message: "must be a time span such as 200ms, 1s, 2min")
        }
        guard milliseconds.isFinite, milliseconds >= Double(range.lowerBound),
            milliseconds <= Double(range.upperBound)
        else {
            throw ValueProblem(
                message: "must be a time span from \(range.lowerBound)ms to \(range.upperBound / 1000)s")
        }
        return Int(milliseconds)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        let trimmed = scalars.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed()
        return String(String.UnicodeScalarView(trimmed))
    }
}
