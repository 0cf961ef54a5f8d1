/// A plain-text table for the terminal: columns padded to their widest cell, the flexible columns
/// shortened with "…" (the last first, none below 8 characters) so that a line fits `width`. No
/// colour, no box drawing.
public struct TextTable: Sendable {
    public struct Column: Sendable {
        public var title: String
        public var alignRight: Bool
        public var flexible: Bool

        public init(_ title: String, alignRight: Bool = false, flexible: Bool = false) {
            self.title = title
            self.alignRight = alignRight
            self.flexible = flexible
        }
    }

    public var columns: [Column]
    public var rows: [[String]] = []

    public init(columns: [Column]) {
        self.columns = columns
    }

    public mutating func append(_ row: [String]) {
        rows.append(row.map(SpreadsheetSafe.text))
    }

    public func render(width: Int) -> String {
        var widths = columns.indices.map { index in
            ([columns[index].title] + rows.map { $0[index] }).map(\.count).max() ?? 0
        }
        var excess = widths.reduce(0, +) + 2 * (columns.count - 1) - width
        for flexible in columns.indices.reversed() where columns[flexible].flexible && excess > 0 {
            let narrower = max(min(8, widths[flexible]), widths[flexible] - excess)
            excess -= widths[flexible] - narrower
            widths[flexible] = narrower
        }
        var out = ""
        for row in [columns.map(\.title)] + rows {
            var cells: [String] = []
            for (index, cell) in row.enumerated() {
                var text = cell
                if text.count > widths[index] { text = String(text.prefix(widths[index] - 1)) + "…" }
                let pad = String(repeating: " ", count: widths[index] - text.count)
                cells.append(columns[index].alignRight ? pad + text : text + pad)
            }
            var line = cells.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
