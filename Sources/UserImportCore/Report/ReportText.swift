/// The report written beside each processed file: plain text for people, one line per row.
///
/// Rendered from the history record and the stored row results, so the file on disk, `report ID`
/// and a re-render after a crash say the same thing. Rows stream: a million-row report never
/// sits in memory.
public enum ReportText {
    public static func render<Rows: Sequence, Out: TextOutputStream>(
        _ record: ImportRecord, rows: Rows, dryRun: Bool = false, to out: inout Out
    ) where Rows.Element == RowResult {
        var iterator = rows.makeIterator()
        render(record, dryRun: dryRun, to: &out) { block in
            guard let row = iterator.next() else { return false }
            appendLine(of: row, to: &block)
            return true
        }
    }

    /// The same report, its row lines appended by `nextLines` (`appendLine`'s lines, one or more
    /// rows at a time; false once no rows are left): a reader of stored rows can write them from
    /// its bytes without making a `RowResult` of each.
    public static func render<Out: TextOutputStream>(
        _ record: ImportRecord, dryRun: Bool = false, to out: inout Out,
        nextLines: (inout [UInt8]) -> Bool
    ) {
        let summary = record.summary
        if dryRun {
            out.write("Dry run of a file import (nothing was changed)\n")
        } else {
            out.write("Report on file import\n")
        }
        out.write("\n")
        func field(_ name: String, _ value: String) {
            out.write(name.padding(toLength: 13) + value + "\n")
        }
        field("File:", SpreadsheetSafe.text(record.fileName))
        field("Import ID:", dryRun ? "(dry run)" : String(record.id))
        field("Disposition:", disposition(record, dryRun: dryRun))
        if let path = record.path {
            field("Stored as:", SpreadsheetSafe.text(path))
            if let rejected = RejectedRowsText.path(for: record) {
                field(
                    "Rows to fix:",
                    SpreadsheetSafe.text(rejected)
                        + " (the rows not applied; correct them and drop the file again)")
            }
        }
        if let held = record.releaseOf {
            field("Released:", "from import \(held), held by the mass-change guard" + decided(record))
        }
        if let undo = record.undoneBy { field("Undone by:", "import \(undo)") }
        if let undone = record.undoOf {
            field("Undo of:", "import \(undone)" + decided(record))
        }
        if let release = record.releasedAs {
            field("Released as:", "import \(release)" + decided(record))
        }
        field("SHA-256:", record.sha256)
        // A failed file was not read to the end (or not at all): its row count would mislead.
        let rowsKnown = record.disposition != .failed || summary.counts.total > 0
        let rowCount = summary.rows == 1 ? "1 data row" : "\(summary.rows) data rows"
        field(
            "Size:", "\(record.size) byte\(record.size == 1 ? "" : "s")" + (rowsKnown ? ", " + rowCount : ""))
        if let uid = record.ownerUID { field("Owner UID:", String(uid)) }
        field("Received:", record.receivedAt.rfc3339)
        field("Started:", record.startedAt.rfc3339)
        field("Finished:", record.finishedAt.rfc3339)
        field("Encoding:", summary.encoding?.rawValue ?? "unknown")
        field("Delimiter:", summary.delimiter?.name ?? "unknown")
        if let error = record.error {
            let heading = record.disposition == .held ? "Held" : "Error"
            out.write("\n\(heading)\n  \(SpreadsheetSafe.text(error))\n")
        }
        if !summary.headers.isEmpty {
            out.write("\nHeaders\n")
            for reading in summary.headers {
                let header = "\"" + SpreadsheetSafe.text(reading.header) + "\""
                let read = reading.field.map { "read as \($0.displayName)" } ?? "ignored"
                out.write("  column \(reading.column)".padding(toLength: 13) + header + " " + read + "\n")
            }
        }
        if !summary.warnings.isEmpty {
            out.write("\nWarnings\n")
            for warning in summary.warnings { out.write("  - " + SpreadsheetSafe.text(warning) + "\n") }
        }
        // Strict mode lists what each row would have done, but applied none of it.
        // So does a held file, and a held file rejected.
        let notApplied =
            (record.disposition == .failed || record.disposition == .held) && summary.counts.total > 0
        out.write(
            notApplied ? "\nCounts (nothing was applied; what the rows would have done)\n  " : "\nCounts\n  ")
        out.write(RowOutcome.allCases.map { "\($0.rawValue) \(summary.counts[$0])" }.joined(separator: ", "))
        out.write("\n")
        var wroteHeading = false
        // Rows go out a few hundred at a time, built as bytes: one call into the (generic) stream
        // per block rather than ten String appends and writes per row, which took most of a
        // million-row report's time.
        var block: [UInt8] = []
        block.reserveCapacity(Self.rowBlockBytes + 1024)
        while nextLines(&block) {
            // The block is empty before the first lines: the heading goes out ahead of them.
            if !wroteHeading && !block.isEmpty {
                out.write(notApplied ? "\nRows (not applied)\n" : "\nRows\n")
                out.write("line\temail\tstatus\toutcome\treason\n")
                wroteHeading = true
            }
            if block.count >= Self.rowBlockBytes {
                out.write(String(decoding: block, as: UTF8.self))
                block.removeAll(keepingCapacity: true)
            }
        }
        if !block.isEmpty { out.write(String(decoding: block, as: UTF8.self)) }
        // Only an import that stored rows had rows to prune (not a duplicate, nor a file failed
        // before its rows meant anything).
        if let pruned = record.rowsPrunedAt, record.disposition != .duplicate,
            record.disposition != .failed || summary.counts.total > 0
        {
            out.write(
                "\nRows\n  pruned on \(pruned.rfc3339): row results are kept for [History] KeepRowResults\n")
        }
    }

    static let rowBlockBytes = 32 * 1024

    /// One row's line: line, email, status, outcome, reason, tab-separated and spreadsheet-safe.
    static func appendLine(of row: RowResult, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: String(row.line).utf8)
        bytes.append(UInt8(ascii: "\t"))
        bytes.append(contentsOf: SpreadsheetSafe.text(row.email).utf8)
        bytes.append(UInt8(ascii: "\t"))
        bytes.append(contentsOf: SpreadsheetSafe.text(row.status).utf8)
        bytes.append(UInt8(ascii: "\t"))
        bytes.append(contentsOf: row.outcome.rawValue.utf8)
        bytes.append(UInt8(ascii: "\t"))
        bytes.append(contentsOf: SpreadsheetSafe.text(row.reason).utf8)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `appendLine(of:to:)` for a row whose texts are UTF-8 bytes (checked by the caller): the
    /// same line, with a String made only for a text that is not plain ASCII.
    public static func appendLine(
        line: Int, email: UnsafeBufferPointer<UInt8>, status: UnsafeBufferPointer<UInt8>,
        outcome: RowOutcome, reason: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]
    ) {
        bytes.append(contentsOf: String(line).utf8)
        bytes.append(UInt8(ascii: "\t"))
        SpreadsheetSafe.appendText(utf8: email, to: &bytes)
        bytes.append(UInt8(ascii: "\t"))
        SpreadsheetSafe.appendText(utf8: status, to: &bytes)
        bytes.append(UInt8(ascii: "\t"))
        bytes.append(contentsOf: outcome.rawValue.utf8)
        bytes.append(UInt8(ascii: "\t"))
        SpreadsheetSafe.appendText(utf8: reason, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    public static func render<Rows: Sequence>(_ record: ImportRecord, rows: Rows, dryRun: Bool = false)
        -> String
    where Rows.Element == RowResult {
        var text = ""
        render(record, rows: rows, dryRun: dryRun, to: &text)
        return text
    }

    private static func disposition(_ record: ImportRecord, dryRun: Bool) -> String {
        switch record.disposition {
        case .duplicate:
            let original = record.duplicateOf.map { "duplicate of import \($0)" } ?? "duplicate"
            return original + "; the same bytes were imported before, nothing applied"
        case .failed:
            return dryRun ? "would fail; nothing would be applied" : "failed; nothing applied"
        case .done:
            return dryRun ? "would be imported" : "done"
        case .held:
            if dryRun { return "would be held by the mass-change guard; nothing would be applied" }
            if record.releasedAs != nil { return "held, then released; applied by the import named below" }
            return
                "held by the mass-change guard; nothing applied, waiting in held/ for a release or a reject"
        }
    }

    private static func decided(_ record: ImportRecord) -> String {
        record.decision.map { ", by " + SpreadsheetSafe.text($0.description) } ?? ""
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}
