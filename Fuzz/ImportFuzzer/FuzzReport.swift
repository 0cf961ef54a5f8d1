import UserImportCore

/// The report text and JSON of one import, for each fate it can meet.
struct FuzzReport {
    let bytes: [UInt8]
    let summary: ImportSummary
    let rows: [RowResult]

    func check() {
        let time = Timestamp(millisecondsSinceEpoch: 1_764_000_000_000)
        // The file's own bytes as its name: names come from outside too.
        let name = FileName(bytes: Array(bytes.prefix(64))).display
        let blank = ImportRecord(
            id: 1, fileName: name, path: "done/" + name, sha256: SHA256.hex(of: bytes), size: bytes.count,
            ownerUID: 1000, receivedAt: time, startedAt: time, finishedAt: time, disposition: .failed,
            duplicateOf: nil, error: nil, summary: ImportSummary())
        for earlierImport in [nil, 7] as [Int64?] {
            let fate = FileFate.decide(summary, earlierImport: earlierImport)
            let record = fate.applied(to: blank)
            let listed = fate.keepsRows ? rows : []
            for dryRun in [false, true] {
                checkText(ReportText.render(record, rows: listed, dryRun: dryRun), rows: listed)
            }
            var json = ""
            ReportJSON.report(record, rows: listed, to: &json)
            checkJSON(json, rows: listed)
            checkJSON(ReportJSON.historyEntry(record), rows: nil)
        }
    }

    /// One line per row, each with exactly five cells; nothing a terminal or a spreadsheet would
    /// act on.
    private func checkText(_ text: String, rows: [RowResult]) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        FuzzCheck.require(lines.last == "", "the report does not end with a newline")
        for line in lines {
            for scalar in line.unicodeScalars where scalar != "\t" {
                FuzzCheck.require(
                    scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80...0x9F).contains(scalar.value)
                        && scalar != "\u{2028}" && scalar != "\u{2029}",
                    "the report holds the control character U+\(String(scalar.value, radix: 16))")
            }
        }
        let heading = lines.firstIndex { $0 == "line\temail\tstatus\toutcome\treason" }
        guard let heading else {
            FuzzCheck.require(rows.isEmpty, "\(rows.count) rows but no Rows section")
            return
        }
        let rowLines = lines[(heading + 1)...].dropLast()
        FuzzCheck.require(rowLines.count == rows.count, "\(rowLines.count) row lines for \(rows.count) rows")
        for (line, row) in zip(rowLines, rows) {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            FuzzCheck.require(cells.count == 5, "a row line with \(cells.count) cells: \(line)")
            FuzzCheck.require(
                cells.first.map(String.init) == String(row.line), "row line \(row.line) shown as \(line)")
            for cell in cells.dropFirst() {
                FuzzCheck.require(
                    !(cell.unicodeScalars.first.map("=+-@".unicodeScalars.contains) ?? false),
                    "a cell a spreadsheet would run as a formula: \(cell)")
            }
        }
    }

    private func checkJSON(_ text: String, rows: [RowResult]?) {
        var parser = JSONCheck(text)
        guard let value = parser.document() else {
            FuzzCheck.require(false, "not JSON at offset \(parser.offset): \(text)")
            return
        }
        guard let rows else { return }
        guard case .object(let members) = value, case .array(let listed)? = members["rows"] else {
            FuzzCheck.require(false, "the JSON report has no rows array")
            return
        }
        FuzzCheck.require(listed.count == rows.count, "\(listed.count) JSON rows for \(rows.count) rows")
        for (object, row) in zip(listed, rows) {
            guard case .object(let fields) = object else {
                FuzzCheck.require(false, "a JSON row that is not an object")
                return
            }
            FuzzCheck.require(
                fields["email"] == .string(row.email), "JSON email differs for line \(row.line)")
            FuzzCheck.require(
                fields["status"] == .string(row.status), "JSON status differs for line \(row.line)")
            FuzzCheck.require(
                fields["reason"] == .string(row.reason), "JSON reason differs for line \(row.line)")
        }
    }
}
