/// The file of the rows an import did not apply (`<name>.rejected.csv`, beside the report): the
/// input's header and delimiter, then each rejected or ignored row with its cells as they came and
/// a last column `Reason`. Corrected, it can be dropped back as it is: `Reason` is a column the
/// importer does not know, ignored with a warning.
public enum RejectedRowsText {
    public static let reasonColumn = "Reason"

    /// Whether an import's report comes with the file: it has rows that were not applied.
    public static func isWritten(for record: ImportRecord) -> Bool {
        // A held file has none yet: its release, or its reject, writes the one that stands.
        record.disposition != .held && record.summary.counts.rejected + record.summary.counts.ignored > 0
    }

    /// Where the file is, relative to the state directory: beside the published file, when there is one.
    public static func path(for record: ImportRecord) -> String? {
        guard isWritten(for: record), let path = record.path else { return nil }
        return path + String(decoding: FileName.rejectedRowsSuffix, as: UTF8.self)
    }

    /// The outcomes whose rows the file holds.
    public static func holds(_ outcome: RowOutcome) -> Bool {
        outcome == .rejected || outcome == .ignored
    }

    /// The header line. A header whose last column is already `Reason` (a rejected file dropped
    /// back) keeps that one column instead of gaining a second.
    public static func writeHeader<Out: TextOutputStream>(
        _ cells: [String], delimiter: Delimiter, to out: inout Out
    ) {
        write(dataColumns(of: cells)[...], then: reasonColumn, delimiter: delimiter, to: &out)
    }

    /// One row: its cells padded to the header's data columns (a row cut short), or all of them
    /// (a row with too many, which its reason says how to fix), then the reason; cell by cell into
    /// `out`, so a row of a million cells is never built as one string.
    public static func writeRow<Out: TextOutputStream>(
        _ cells: [String], reason: String, header: [String], delimiter: Delimiter, to out: inout Out
    ) {
        let columns = dataColumns(of: header).count
        // A row of a file dropped back: its old reason goes, the new one takes its place.
        let data = hasReason(header) && cells.count == header.count ? cells.dropLast() : cells[...]
        write(data, padTo: columns, then: reason, delimiter: delimiter, to: &out)
    }

    private static func write<Out: TextOutputStream>(
        _ cells: ArraySlice<String>, padTo columns: Int = 0, then last: String, delimiter: Delimiter,
        to out: inout Out
    ) {
        let separator = String(delimiter.character)
        for cell in cells {
            out.write(quoted(cell, delimiter: delimiter))
            out.write(separator)
        }
        if cells.count < columns { out.write(String(repeating: separator, count: columns - cells.count)) }
        out.write(quoted(last, delimiter: delimiter))
        out.write("\r\n")
    }

    private static func hasReason(_ header: [String]) -> Bool {
        header.last.map { RowValidator.trimmed($0).lowercased() == reasonColumn.lowercased() } ?? false
    }

    private static func dataColumns(of header: [String]) -> [String] {
        hasReason(header) ? Array(header.dropLast()) : header
    }

    /// A cell quoted when reading it back would otherwise change it: it holds the delimiter, a
    /// quote or a line break, or starts or ends with a blank the parser would trim.
    static func quoted(_ cell: String, delimiter: Delimiter) -> String {
        let blanks: Set<UInt8> = delimiter == .tab ? [0x20] : [0x20, 0x09]
        let bytes = cell.utf8
        let needsQuotes =
            bytes.contains { $0 == delimiter.rawValue || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
            || bytes.first.map(blanks.contains) == true || bytes.last.map(blanks.contains) == true
        guard needsQuotes else { return cell }
        var out = "\""
        for character in cell {
            out.append(character)
            if character == "\"" { out.append("\"") }
        }
        return out + "\""
    }
}
