import UserImportCore

/// An import record and row results with awkward values, for the report renderers.
enum ReportSamples {
    static func record(
        disposition: Disposition = .done, error: String? = nil, path: String? = "done/users.csv",
        duplicateOf: Int64? = nil
    ) -> ImportRecord {
        var summary = ImportSummary()
        summary.encoding = .utf8WithBOM
        summary.delimiter = .semicolon
        summary.headers = [
            HeaderReading(column: 1, header: "E-mail", field: .email),
            HeaderReading(column: 2, header: "=Shoe \"Size\"", field: nil),
        ]
        summary.warnings = ["column 2 \"=Shoe \"Size\"\" is not a known field; its values are ignored"]
        summary.counts.created = 2
        summary.counts.rejected = 1
        summary.counts.ignored = 4
        summary.rows = 7
        summary.bytes = 321
        return ImportRecord(
            id: 12, fileName: "users\tQ1.csv", path: path,
            sha256: "781234f5d5ce529128854ad99d0f2db75d78d77f942fb0dd22d8403c86d9ab5e", size: 321,
            ownerUID: 1000,
            receivedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000),
            startedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_600_250),
            finishedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_601_500), disposition: disposition,
            duplicateOf: duplicateOf, error: error, summary: summary)
    }

    static let rows = [
        RowResult(
            line: 2, email: "ann@example.com", status: "New", outcome: .created, reason: "invitation queued"),
        RowResult(
            line: 3, email: "=HYPERLINK(\"http://evil\")", status: "New", outcome: .ignored,
            reason: "invalid email"),
        RowResult(
            line: 5, email: "bob@example.com", status: "Frob\tX", outcome: .rejected,
            reason: "unknown User Status \"Frob\\X\"\nsecond line"),
    ]
}
