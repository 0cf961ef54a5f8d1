/// One logical record of a delimited file: the fields of a row and where it started.
public struct CSVRecord: Sendable, Equatable {
    /// Physical line (1-based) on which the record starts; quoted newlines make later records start further down.
    public var line: Int
    public var fields: [String]
    /// 1-based column of the first field with a quote where RFC 4180 allows none (`ab"c`, `"ab"c`).
    public var misplacedQuoteColumn: Int?

    public init(line: Int, fields: [String], misplacedQuoteColumn: Int? = nil) {
        self.line = line
        self.fields = fields
        self.misplacedQuoteColumn = misplacedQuoteColumn
    }
}
