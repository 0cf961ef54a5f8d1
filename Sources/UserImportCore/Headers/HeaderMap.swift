/// How one header cell was read; listed in every report so an administrator sees what was used.
public struct HeaderReading: Sendable, Equatable, Codable {
    public var column: Int
    public var header: String
    /// nil when the column is ignored (unknown or empty header).
    public var field: UserField?

    public init(column: Int, header: String, field: UserField?) {
        self.column = column
        self.header = header
        self.field = field
    }
}

/// Which column holds which field, decided once from the header row.
public struct HeaderMap: Sendable, Equatable {
    public let columnCount: Int
    public let headerLine: Int
    public let readings: [HeaderReading]
    public let warnings: [String]
    private let columnOfField: [UserField: Int]  // 0-based

    public func column(of field: UserField) -> Int? { columnOfField[field] }

    /// Reads a header record. Throws `FileError` for missing required or duplicated columns.
    public init(header: CSVRecord) throws {
        var readings: [HeaderReading] = []
        var warnings: [String] = []
        var columnOfField: [UserField: Int] = [:]
        for (index, raw) in header.fields.enumerated() {
            let key = HeaderMap.normalise(raw)
            let field = UserField.allCases.first { $0.aliases.contains(key) }
            if let field {
                if let earlier = columnOfField[field] {
                    throw FileError.duplicateColumn(field, firstColumn: earlier + 1, secondColumn: index + 1)
                }
                columnOfField[field] = index
            } else if key.isEmpty {
                warnings.append("column \(index + 1) has no header; its values are ignored")
            } else {
                warnings.append("column \(index + 1) \"\(raw)\" is not a known field; its values are ignored")
            }
            readings.append(HeaderReading(column: index + 1, header: raw, field: field))
        }
        let missing = UserField.required.filter { columnOfField[$0] == nil }
        if !missing.isEmpty {
            throw FileError.missingColumns(missing, headerLine: header.line)
        }
        self.columnCount = header.fields.count
        self.headerLine = header.line
        self.readings = readings
        self.warnings = warnings
        self.columnOfField = columnOfField
    }

    /// "E-mail Address " → "emailaddress": case, spacing and punctuation do not matter.
    static func normalise(_ header: String) -> String {
        String(
            String.UnicodeScalarView(
                header.unicodeScalars.filter {
                    $0.properties.isAlphabetic || $0.properties.numericType != nil
                })
        )
        .lowercased()
    }
}
