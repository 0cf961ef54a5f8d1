/// A plain-text table for the terminal: columns padded to their widest cell, the one flexible
/// column shortened with "…" so that a line fits `width`. No colour, no box drawing.
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
        let total = widths.reduce(0, +) + 2 * (columns.count - 1)
        if total > width, let flexible = columns.firstIndex(where: \.flexible) {
            widths[flexible] = max(8, widths[flexible] - (total - width))
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
