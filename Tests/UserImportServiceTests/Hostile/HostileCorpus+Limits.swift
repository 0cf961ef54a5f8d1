import UserImportCore

extension HostileCorpus {
    // MARK: - Limits (the README's "What happens to a file": over the configured size/row limits; bounded memory whatever the file)

    static let megabyte = 1 << 20

    static let limits: [HostileCase] = {
        let three = csv(ann, "bob@example.com,Bob,Ray,New", "carl@example.com,Carl,Cole,New")
        let threeRows = [
            Report.created(2, "ann.lee@example.com"), Report.created(3, "bob@example.com"),
            Report.created(4, "carl@example.com"),
        ]
        return [
            HostileCase(
                label: "a 100 MB single line fails at the record limit without being held in memory",
                content: .stream { writer in
                    try writer.append(header + ",")
                    let block = [UInt8](repeating: UInt8(ascii: "A"), count: megabyte)
                    for _ in 0..<100 { try writer.append(block) }
                },
                fate: .failed, error: Report.recordTooLong(line: 1, limit: megabyte), delimiter: "unknown",
                maxPeakGrowth: 48 * megabyte),
            HostileCase(
                label: "a 5 MB value in a data row",
                content: .stream { writer in
                    try writer.append(header + "\nann@example.com,Ann,")
                    try writer.append([UInt8](repeating: UInt8(ascii: "B"), count: 5 * megabyte))
                    try writer.append(",New\n")
                },
                fate: .failed, error: Report.recordTooLong(line: 2, limit: megabyte),
                lines: [Report.header(1, "Email ID", "Email ID")]),
            HostileCase(
                label: "ten million rows over MaxFileSize are refused unopened",
                content: .stream(rows(10_000_000)), maxFileSize: 64 * megabyte, fate: .failed,
                error: Report.tooLarge(sizeOfRows(10_000_000), 64 * megabyte), encoding: "unknown",
                delimiter: "unknown"),
            // Hashing the whole file (the SHA-256 covers every byte) is what costs here in a debug
            // build, so this one is smaller: the row limit still stops the reading of rows early.
            HostileCase(
                label: "two hundred thousand rows over MaxRows stop at the limit",
                content: .stream(rows(200_000)), options: ImportOptions(maxRows: 1000), fate: .failed,
                error: Report.tooManyRows(1000)),
            HostileCase(
                label: "a header of a million empty columns fails without listing them all",
                content: .stream { writer in
                    try writer.append(header + String(repeating: ",", count: 1_000_000) + "\n")
                    try writer.append(ann + String(repeating: ",", count: 1_000_000) + "\n")
                },
                fate: .failed,
                error:
                    "the header row has 1000004 columns, more than the 1000 a header may have; "
                    + "check the delimiter and remove empty columns",
                lines: [
                    Report.header(1000, "", nil), "  - column 1000 has no header; its values are ignored",
                ],
                absentLines: [Report.header(1001, "", nil)], maxPeakGrowth: 48 * megabyte),
            HostileCase(
                label: "a data row of a million fields",
                content: .stream { writer in
                    try writer.append(
                        header + "\n" + ann + String(repeating: ",", count: 1_000_000) + "\n" + ann + "\n")
                },
                fate: .done,
                rows: [
                    Report.row(
                        2, "ann.lee@example.com", "New", "rejected", Report.fieldCount(1_000_004, header: 4)),
                    Report.created(3, "ann.lee@example.com"),
                ],
                maxPeakGrowth: 48 * megabyte),
            HostileCase(
                label: "MaxRows exactly reached", content: .bytes(three), options: ImportOptions(maxRows: 3),
                fate: .done, rows: threeRows),
            HostileCase(
                label: "MaxRows exceeded by one", content: .bytes(three), options: ImportOptions(maxRows: 2),
                fate: .failed, error: Report.tooManyRows(2)),
            HostileCase(
                label: "MaxRecordBytes exactly the header's length", content: .bytes(three),
                options: ImportOptions(maxRecordBytes: 41), fate: .done, rows: threeRows),
            HostileCase(
                label: "MaxRecordBytes one short of the header", content: .bytes(three),
                options: ImportOptions(maxRecordBytes: 40), fate: .failed,
                error: Report.recordTooLong(line: 1, limit: 40), delimiter: "unknown"),
            HostileCase(
                label: "MaxFileSize exactly the file's size", content: .bytes(three),
                maxFileSize: three.count,
                fate: .done, rows: threeRows),
            HostileCase(
                label: "MaxFileSize one byte short", content: .bytes(three), maxFileSize: three.count - 1,
                fate: .failed, error: Report.tooLarge(three.count, three.count - 1), encoding: "unknown",
                delimiter: "unknown"),
        ]
    }()

    /// `u0000000@x.io,A,B,New` … one row per number below `count` (a multiple of ten thousand, at
    /// most ten million), written a block of ten thousand rows at a time: only the block number's
    /// three digits change from one block to the next.
    static func rows(_ count: Int) -> @Sendable (inout ChunkWriter) throws -> Void {
        { writer in
            try writer.append(header + "\n")
            let rowsPerBlock = 10_000
            var block: [UInt8] = []
            for row in 0..<rowsPerBlock {
                let digits = String(row)
                block += Bytes.utf8(
                    "u000" + String(repeating: "0", count: 4 - digits.count) + digits + "@x.io,A,B,New\n")
            }
            let rowLength = block.count / rowsPerBlock
            for number in 0..<(count / rowsPerBlock) {
                let high = [UInt8(48 + number / 100), UInt8(48 + number / 10 % 10), UInt8(48 + number % 10)]
                block.withUnsafeMutableBufferPointer { rows in
                    for start in stride(from: 0, to: rows.count, by: rowLength) {
                        rows[start + 1] = high[0]
                        rows[start + 2] = high[1]
                        rows[start + 3] = high[2]
                    }
                }
                try writer.append(block)
            }
        }
    }

    /// The size of `rows(count)`: a 42-byte header and 22 bytes a row.
    static func sizeOfRows(_ count: Int) -> Int { 42 + count * 22 }

    // MARK: - Duplicates (the README's "What happens to a file": the same bytes again are recognised; nothing is applied twice)

    static let duplicates: [HostileCase] = {
        let good = csv(ann)
        let strictFailure = csv(ann, "eve@example.com,Eve,Fox,Create")
        return [
            HostileCase(
                label: "the same bytes under the same name", content: .bytes(good),
                setup: [HostileCase.Setup(name: FileName("hostile.csv"), bytes: good)],
                fate: .duplicate(of: 1),
                lines: [Report.field("Stored as:", "done/hostile.2.csv")]),
            HostileCase(
                label: "the same bytes under another name", content: .bytes(good),
                setup: [HostileCase.Setup(name: FileName("monday.csv"), bytes: good)],
                fate: .duplicate(of: 1),
                lines: [Report.field("Stored as:", "done/hostile.csv")]),
            HostileCase(
                label: "a duplicate of a duplicate names the first import", content: .bytes(good),
                setup: [
                    HostileCase.Setup(name: FileName("monday.csv"), bytes: good),
                    HostileCase.Setup(name: FileName("tuesday.csv"), bytes: good),
                ],
                fate: .duplicate(of: 1)),
            HostileCase(
                label: "the same rows with a BOM are other bytes: imported, nothing new",
                content: .bytes(Bytes.bom + good),
                setup: [HostileCase.Setup(name: FileName("hostile.csv"), bytes: good)], fate: .done,
                encoding: "UTF-8 with BOM",
                rows: [
                    Report.row(
                        2, "ann.lee@example.com", "New", "updated", "already exists; no invitation sent")
                ],
                lines: [Report.field("Stored as:", "done/hostile.2.csv")]),
            HostileCase(
                label: "an empty file dropped twice fails twice", content: .bytes([]),
                setup: [HostileCase.Setup(name: FileName("hostile.csv"), bytes: [])], fate: .failed,
                error: Report.empty, encoding: "unknown", delimiter: "unknown",
                lines: [Report.field("Stored as:", "failed/hostile.2.csv")]),
            HostileCase(
                label: "a strict-mode failure dropped again fails again", content: .bytes(strictFailure),
                options: ImportOptions(strict: true),
                setup: [HostileCase.Setup(name: FileName("hostile.csv"), bytes: strictFailure)],
                fate: .failed,
                error: Report.strict(1),
                rows: [
                    Report.created(2, "ann.lee@example.com"),
                    Report.row(
                        3, "eve@example.com", "Create", "rejected",
                        "unknown User Status \"Create\"; use New, Update, Delete or Activate"),
                ],
                lines: [Report.field("Stored as:", "failed/hostile.2.csv")]),
        ]
    }()
}
