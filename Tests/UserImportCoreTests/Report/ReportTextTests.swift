import Testing
import UserImportCore

struct ReportTextTests {
    @Test func rendersTheWholeReport() {
        let expected = #"""
            Report on file import

            File:        users\tQ1.csv
            Import ID:   12
            Disposition: done
            Stored as:   done/users.csv
            Rows to fix: done/users.csv.rejected.csv (the rows not applied; correct them and drop the file again)
            SHA-256:     781234f5d5ce529128854ad99d0f2db75d78d77f942fb0dd22d8403c86d9ab5e
            Size:        321 bytes, 7 data rows
            Owner UID:   1000
            Received:    2026-01-01T00:00:00.000Z
            Started:     2026-01-01T00:00:00.250Z
            Finished:    2026-01-01T00:00:01.500Z
            Encoding:    UTF-8 with BOM
            Delimiter:   semicolon

            Headers
              column 1   "E-mail" read as Email ID
              column 2   "'=Shoe "Size"" ignored

            Warnings
              - column 2 "=Shoe "Size"" is not a known field; its values are ignored

            Counts
              created 2, updated 0, unchanged 0, deleted 0, activated 0, ignored 4, rejected 1

            Rows
            line\#temail\#tstatus\#toutcome\#treason
            2\#tann@example.com\#tNew\#tcreated\#tinvitation queued
            3\#t'=HYPERLINK("http://evil")\#tNew\#tignored\#tinvalid email
            5\#tbob@example.com\#tFrob\tX\#trejected\#tunknown User Status "Frob\X"\nsecond line

            """#
        #expect(ReportText.render(ReportSamples.record(), rows: ReportSamples.rows) == expected)
    }

    @Test func everyRowIsOneLineOfFiveCells() {
        let report = ReportText.render(ReportSamples.record(), rows: ReportSamples.rows)
        let rowLines = report.split(separator: "\n").drop { $0 != "Rows" }.dropFirst()
        #expect(rowLines.count == ReportSamples.rows.count + 1)
        for line in rowLines {
            #expect(line.split(separator: "\t", omittingEmptySubsequences: false).count == 5, "\(line)")
        }
    }

    @Test func noCellStartsAFormula() {
        let report = ReportText.render(
            ReportSamples.record(error: "=cmd|' /C calc'!A0", path: "+done/@x.csv"), rows: ReportSamples.rows)
        for line in report.split(separator: "\n") {
            for cell in line.split(separator: "\t") {
                #expect(cell.first.map { !"=+-@".contains($0) } ?? true, "\(cell)")
            }
            let value = line.drop { $0 != ":" }.dropFirst().drop { $0 == " " }
            #expect(value.first.map { !"=+-@".contains($0) } ?? true, "\(line)")
        }
    }

    @Test func errorIsShownSanitised() {
        let report = ReportText.render(
            ReportSamples.record(disposition: .failed, error: "=bad\nthing", path: nil), rows: [RowResult]())
        #expect(report.contains("\nError\n  '=bad\\nthing\n"))
        #expect(report.contains("Disposition: failed; nothing applied\n"))
        #expect(!report.contains("Stored as:"))
        #expect(!report.contains("\nRows\n"))
    }

    @Test func strictModeFailureSaysNothingWasApplied() {
        let report = ReportText.render(
            ReportSamples.record(
                disposition: .failed, error: "strict mode: 1 row(s) rejected", path: "failed/u.csv"),
            rows: ReportSamples.rows)
        #expect(report.contains("Size:        321 bytes, 7 data rows\n"))
        #expect(report.contains("\nCounts (nothing was applied; what the rows would have done)\n"))
        #expect(report.contains("\nRows (not applied)\nline\temail"))
    }

    @Test func sizeUsesSingularForOne() {
        var record = ReportSamples.record()
        record.size = 1
        record.summary.rows = 1
        #expect(ReportText.render(record, rows: [RowResult]()).contains("Size:        1 byte, 1 data row\n"))
    }

    @Test func duplicateNamesTheEarlierImport() {
        let report = ReportText.render(
            ReportSamples.record(disposition: .duplicate, duplicateOf: 3), rows: [RowResult]())
        #expect(report.contains("Disposition: duplicate of import 3;"))
    }

    @Test func dryRunSaysSo() {
        let report = ReportText.render(ReportSamples.record(), rows: ReportSamples.rows, dryRun: true)
        #expect(report.hasPrefix("Dry run of a file import (nothing was changed)\n"))
        #expect(report.contains("Import ID:   (dry run)\n"))
        #expect(report.contains("Disposition: would be imported\n"))
        let failed = ReportText.render(
            ReportSamples.record(disposition: .failed), rows: [RowResult](), dryRun: true)
        #expect(failed.contains("Disposition: would fail; nothing would be applied\n"))
    }

    @Test func unknownEncodingAndDelimiterAreSaid() {
        var record = ReportSamples.record(disposition: .failed, error: "the file is empty")
        record.summary = ImportSummary()
        let report = ReportText.render(record, rows: [RowResult]())
        #expect(report.contains("Encoding:    unknown\n"))
        #expect(report.contains("Delimiter:   unknown\n"))
        #expect(report.contains("Size:        321 bytes\n"), "a file that was not read has no row count")
        #expect(!report.contains("\nHeaders\n"))
        #expect(!report.contains("\nWarnings\n"))
    }
}
