import UserImportCore

/// One file imported the way the pipeline imports it, with the invariants every import keeps.
struct FuzzImport {
    /// The defaults (with a fallback, so the retry path runs too), and tight limits in strict
    /// mode so that the limits, strict mode and its second pass are reached by small inputs.
    static let optionSets: [ImportOptions] = [
        ImportOptions(fallbackEncoding: .windows1252),
        ImportOptions(
            maxRecordBytes: 48, maxRows: 6, maxValueLength: 12, strict: true, fallbackEncoding: .latin1),
    ]

    /// Read sizes besides "all at once": one byte (every boundary falls inside a sequence or a
    /// field somewhere) and an odd size (UTF-16 code units straddle reads).
    static let chunkLimits = [1, 7]

    struct Outcome: Equatable {
        var summary: ImportSummary
        var rows: [RowResult]
        var directory: FuzzDirectory
        var outbox: FuzzOutbox
        /// Read again with the fallback encoding after the first read found invalid UTF-8.
        var retried = false
    }

    let bytes: [UInt8]
    let options: ImportOptions

    func check() {
        let whole = importFile(chunkLimit: .max)
        checkInvariants(whole)
        for chunkLimit in Self.chunkLimits where chunkLimit < bytes.count {
            let chunked = importFile(chunkLimit: chunkLimit)
            FuzzCheck.require(
                Self.sameImport(chunked, whole),
                "reading \(chunkLimit) bytes at a time changes the import: \(describe(chunked)) "
                    + "instead of \(describe(whole))")
        }
        let fate = FileFate.decide(whole.summary, earlierImport: nil)
        if fate.listsRowsNotApplied {
            // Strict mode lists what the rows would have done from a second pass with the
            // encoding the first pass detected (ImportPipeline.apply): it must say the same.
            let again = run(encoding: whole.summary.encoding, chunkLimit: .max)
            FuzzCheck.require(
                again.rows == whole.rows,
                "the second pass over a strict-mode file lists other rows: \(describe(again)) "
                    + "instead of \(describe(whole))")
        }
        FuzzReport(bytes: bytes, summary: whole.summary, rows: whole.rows).check()
    }

    /// Whether two reads of one file import the same. `bytes` is how far reading got, which
    /// depends on the chunks. A file-level error ends reading where it is found, and a whole
    /// chunk's encoding is checked before any of it is parsed: so an encoding error and a parse
    /// error (header, limits) may be found in either order, and only the first leads to a read
    /// with the fallback encoding. Either fails the file and discards its rows; strict mode's
    /// failure comes only at the end, with every row read. When a header is valid UTF-8 but
    /// reads otherwise in the fallback encoding, the read that found the encoding error first
    /// may import what the other failed (the daemon reads 256 KiB at a time, so one file always
    /// meets its problems in one order).
    static func sameImport(_ a: Outcome, _ b: Outcome) -> Bool {
        var a = a
        var b = b
        a.summary.bytes = 0
        b.summary.bytes = 0
        let retried = a.retried || b.retried
        let onlyOneRetried = a.retried != b.retried
        a.retried = false
        b.retried = false
        switch (a.summary.error, b.summary.error) {
        case (nil, nil), (.strictModeRejected?, _), (_, .strictModeRejected?):
            return a == b
        case (let first?, let second?):
            return first == second || first.isEncodingError || second.isEncodingError || retried
        default:
            return onlyOneRetried
        }
    }

    /// What the pipeline does: read once; read again with the fallback when the file was not UTF-8.
    func importFile(chunkLimit: Int) -> Outcome {
        let first = run(encoding: nil, chunkLimit: chunkLimit)
        if let fallback = FileFate.retryEncoding(after: first.summary, fallback: options.fallbackEncoding) {
            var second = run(encoding: fallback, chunkLimit: chunkLimit)
            second.retried = true
            return second
        }
        return first
    }

    func run(encoding: InputEncoding?, chunkLimit: Int) -> Outcome {
        var source = BytesSource(bytes, chunkLimit: chunkLimit)
        var directory = FuzzDirectory()
        var outbox = FuzzOutbox()
        var results = FuzzResults()
        do {
            let summary = try Importer(options: options).run(
                source: &source, encoding: encoding, directory: &directory, outbox: &outbox, results: &results
            )
            FuzzCheck.require(results.finished, "the run returned without finishing its results")
            FuzzCheck.require(outbox.flushed == outbox.queued.count, "emails queued after the last flush")
            return Outcome(summary: summary, rows: results.rows, directory: directory, outbox: outbox)
        } catch {
            // Only the ports throw, and these ports never do.
            FuzzCheck.require(false, "the importer threw \(error) with ports that never throw")
            return Outcome(summary: ImportSummary(), rows: [], directory: directory, outbox: outbox)
        }
    }

    func checkInvariants(_ outcome: Outcome) {
        let summary = outcome.summary
        let rows = outcome.rows
        // Every data row read gets exactly one result (the row over MaxRows is never judged).
        if case .tooManyRows(let limit) = summary.error {
            FuzzCheck.require(
                rows.count == limit && summary.rows == limit + 1,
                "MaxRows \(limit): \(rows.count) results for \(summary.rows) rows")
        } else {
            FuzzCheck.require(rows.count == summary.rows, "\(rows.count) results for \(summary.rows) rows")
        }
        for outcomeKind in RowOutcome.allCases {
            let listed = rows.filter { $0.outcome == outcomeKind }.count
            FuzzCheck.require(
                summary.counts[outcomeKind] == listed,
                "\(outcomeKind) counted \(summary.counts[outcomeKind]) times but listed \(listed) times")
        }
        var previousLine = 1
        for row in rows {
            FuzzCheck.require(row.line > previousLine, "row line \(row.line) after line \(previousLine)")
            previousLine = row.line
            switch row.outcome {
            case .ignored:
                FuzzCheck.require(row.reason == "invalid email", "ignored for \"\(row.reason)\"")
            case .rejected:
                FuzzCheck.require(!row.reason.isEmpty, "a rejected row without a reason")
            case .created, .updated, .unchanged, .deleted, .activated:
                FuzzCheck.require(
                    EmailAddress.key(for: row.email) == row.email,
                    "applied row with email key \"\(row.email)\"")
                FuzzCheck.require(
                    UserStatus(rawValue: row.status) != nil, "applied row with status \"\(row.status)\"")
            }
        }
        if summary.error == nil {
            FuzzCheck.require(summary.bytes == bytes.count, "read \(summary.bytes) of \(bytes.count) bytes")
            FuzzCheck.require(summary.encoding != nil, "imported without an encoding")
            FuzzCheck.require(summary.delimiter != nil, "imported without a delimiter")
            let fields = Set(summary.headers.compactMap(\.field))
            FuzzCheck.require(
                UserField.required.allSatisfy(fields.contains), "imported without the required columns")
            if options.strict {
                FuzzCheck.require(summary.counts.rejected == 0, "strict mode imported rejected rows")
            }
        }
        // The emails queued are exactly the creations and activations, on their lines.
        let notified = rows.filter { $0.outcome == .created || $0.outcome == .activated }
        FuzzCheck.require(
            outcome.outbox.queued.map(\.line) == notified.map(\.line),
            "queued emails on lines \(outcome.outbox.queued.map(\.line)), "
                + "created/activated on \(notified.map(\.line))")
        for (email, user) in outcome.directory.users {
            FuzzCheck.require(
                EmailAddress.key(for: email) == email && user.email == email, "stored under key \"\(email)\"")
        }
    }

    private func describe(_ outcome: Outcome) -> String {
        let error = outcome.summary.error.map { "error \($0.message)" } ?? "no error"
        let rows = outcome.rows.map { "\($0.line):\($0.outcome.rawValue)" }.joined(separator: " ")
        return "[\(error); \(outcome.summary.rows) rows; \(rows); "
            + "encoding \(outcome.summary.encoding?.rawValue ?? "none"), "
            + "delimiter \(outcome.summary.delimiter?.name ?? "none")]"
    }
}

extension FileError {
    var isEncodingError: Bool {
        switch self {
        case .notText, .invalidUTF8, .invalidUTF16, .undefinedByte: return true
        default: return false
        }
    }
}
