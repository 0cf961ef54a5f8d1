/// The machine-readable forms of the README's "Everyday use": snake_case keys, RFC 3339 UTC times, streamed.
public enum ReportJSON {
    /// The history object of one import (`history --json` lists these).
    public static func importObject<Out: TextOutputStream>(_ record: ImportRecord, to out: inout Out) {
        let summary = record.summary
        var object = JSONObjectWriter(out: out)
        object.number("id", record.id)
        object.string("file", record.fileName)
        object.string("path", record.path)
        object.string("rows_to_fix", RejectedRowsText.path(for: record))
        object.string("sha256", record.sha256)
        object.number("size", Int64(record.size))
        object.number("owner_uid", record.ownerUID.map(Int64.init))
        object.string("received_at", record.receivedAt.rfc3339)
        object.string("started_at", record.startedAt.rfc3339)
        object.string("finished_at", record.finishedAt.rfc3339)
        object.string("disposition", record.disposition.rawValue)
        object.number("duplicate_of", record.duplicateOf)
        object.string("error", record.error)
        object.number("release_of", record.releaseOf)
        object.number("released_as", record.releasedAs)
        object.number("undo_of", record.undoOf)
        object.number("undone_by", record.undoneBy)
        object.string("rows_pruned_at", record.rowsPrunedAt?.rfc3339)
        if let decision = record.decision {
            object.raw(
                "decided_by",
                "{\"uid\":\(decision.byUID),\"name\":"
                    + (decision.byName.map(JSON.quoted) ?? "null") + ",\"at\":"
                    + JSON.quoted(decision.at.rfc3339) + "}")
        } else {
            object.raw("decided_by", "null")
        }
        object.string("encoding", summary.encoding?.rawValue)
        object.string("delimiter", summary.delimiter?.name)
        object.number("rows_total", Int64(summary.rows))
        var counts = "{"
        for (index, outcome) in RowOutcome.allCases.enumerated() {
            counts += (index == 0 ? "" : ",") + JSON.quoted(outcome.rawValue) + ":\(summary.counts[outcome])"
        }
        object.raw("counts", counts + "}")
        object.raw(
            "headers",
            "["
                + summary.headers.map { reading in
                    "{\"column\":\(reading.column),\"header\":\(JSON.quoted(reading.header)),\"field\":"
                        + (reading.field.map { JSON.quoted($0.displayName) } ?? "null") + "}"
                }.joined(separator: ",") + "]")
        object.raw("warnings", "[" + summary.warnings.map(JSON.quoted).joined(separator: ",") + "]")
        out = object.out
        // The caller closes the object so `report` can append "rows".
    }

    public static func historyEntry(_ record: ImportRecord) -> String {
        var text = ""
        importObject(record, to: &text)
        return text + "}"
    }

    /// `report ID --json`: the import object plus the rows' results; `rowsMatching`, when given,
    /// says how many rows the listing's filter selects in all (for paging).
    public static func report<Rows: Sequence, Out: TextOutputStream>(
        _ record: ImportRecord, rows: Rows, rowsMatching: Int? = nil, to out: inout Out
    ) where Rows.Element == RowResult {
        importObject(record, to: &out)
        if let rowsMatching { out.write(",\"rows_matching\":\(rowsMatching)") }
        out.write(",\"rows\":[")
        var first = true
        for row in rows {
            out.write(first ? "\n" : ",\n")
            first = false
            out.write(
                "{\"line\":\(row.line),\"email\":\(JSON.quoted(row.email)),\"status\":\(JSON.quoted(row.status)),"
                    + "\"outcome\":\(JSON.quoted(row.outcome.rawValue)),\"reason\":\(JSON.quoted(row.reason))}"
            )
        }
        out.write("]}\n")
    }
}

extension ReportJSON {
    /// A user as `users --json` lists it (the README's "Everyday use").
    public static func user(_ user: StoredUser) -> String {
        let p = user.profile
        let fields: [(String, String)] = [
            ("email", user.email), ("first_name", p.firstName), ("last_name", p.lastName),
            ("alternate_id", p.alternateID), ("work_phone", p.workPhone), ("title", p.title),
            ("department", p.department), ("state", user.state.rawValue),
        ]
        return "{" + fields.map { JSON.quoted($0.0) + ":" + JSON.quoted($0.1) }.joined(separator: ",") + "}"
    }
}

/// Writes `{"key":value,...` one member at a time (no closing brace).
struct JSONObjectWriter<Out: TextOutputStream> {
    var out: Out
    private var first = true

    init(out: Out) {
        self.out = out
    }

    mutating func raw(_ key: String, _ json: String) {
        out.write(first ? "{" : ",")
        first = false
        out.write(JSON.quoted(key))
        out.write(":")
        out.write(json)
    }

    mutating func string(_ key: String, _ value: String?) {
        raw(key, value.map(JSON.quoted) ?? "null")
    }

    mutating func number(_ key: String, _ value: Int64?) {
        raw(key, value.map { String($0) } ?? "null")
    }
}

/// JSON string escaping (RFC 8259).
public enum JSON {
    public static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
