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
    /// 0-based column of each field, indexed by `UserField.ordinal`: read for every cell of every
    /// row, so an array rather than a dictionary.
    private let columnOfField: [Int?]

    public func column(of field: UserField) -> Int? { columnOfField[field.ordinal] }

    /// The most columns a header may have. A record may hold a million empty fields within
    /// MaxRecordBytes; listing each as a column (and a warning) would make a 2 MB file need
    /// gigabytes for its history and report.
    public static let maxColumns = 1_000

    /// How each header cell reads, and the warnings for cells that read as nothing. Available even
    /// when the header as a whole is unusable, so the report can show why (the first `maxColumns`).
    public static func read(_ header: CSVRecord) -> (readings: [HeaderReading], warnings: [String]) {
        var readings: [HeaderReading] = []
        var warnings: [String] = []
        for (index, raw) in header.fields.prefix(maxColumns).enumerated() {
            let key = HeaderMap.normalise(raw)
            let field = UserField.allCases.first { $0.aliases.contains(key) }
            if field == nil && key.isEmpty {
                warnings.append("column \(index + 1) has no header; its values are ignored")
            } else if field == nil {
                let hint =
                    HeaderSuggestion.field(near: raw).map { " (did you mean \"\($0.displayName)\"?)" } ?? ""
                warnings.append(
                    "column \(index + 1) \"\(raw)\" is not a known field; its values are ignored" + hint)
            }
            readings.append(HeaderReading(column: index + 1, header: raw, field: field))
        }
        return (readings, warnings)
    }

    /// Reads a header record. Throws `FileError` for too many, missing required or duplicated columns.
    public init(header: CSVRecord) throws {
        if header.fields.count > HeaderMap.maxColumns {
            throw FileError.tooManyColumns(count: header.fields.count, limit: HeaderMap.maxColumns)
        }
        let (readings, warnings) = HeaderMap.read(header)
        var columnOfField: [UserField: Int] = [:]
        for reading in readings {
            guard let field = reading.field else { continue }
            if let earlier = columnOfField[field] {
                throw FileError.duplicateColumn(field, firstColumn: earlier + 1, secondColumn: reading.column)
            }
            columnOfField[field] = reading.column - 1
        }
        let missing = UserField.required.filter { columnOfField[$0] == nil }
        if !missing.isEmpty {
            // An unknown header that is a typo of a missing field is the likely cause: name it.
            let nearMisses = readings.compactMap { reading -> HeaderNearMiss? in
                guard reading.field == nil, let field = HeaderSuggestion.field(near: reading.header),
                    missing.contains(field)
                else { return nil }
                return HeaderNearMiss(column: reading.column, header: reading.header, field: field)
            }
            throw FileError.missingColumns(missing, headerLine: header.line, nearMisses: nearMisses)
        }
        self.columnCount = header.fields.count
        self.headerLine = header.line
        self.readings = readings
        self.warnings = warnings
        var columns = [Int?](repeating: nil, count: UserField.allCases.count)
        for (field, column) in columnOfField { columns[field.ordinal] = column }
        self.columnOfField = columns
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
