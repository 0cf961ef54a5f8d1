/// "Did you mean": the known field an unknown header is a slip of the keyboard away from
/// (`Emial ID` → `Email ID`, `Frist Name` → `First Name`).
public enum HeaderSuggestion {
    /// The field whose spelling is nearest to `header`, when it is near enough to be a typo: one
    /// edit for short names, two for longer ones (an adjacent swap counts as one edit).
    public static func field(near header: String) -> UserField? {
        let key = Array(HeaderMap.normalise(header).unicodeScalars)
        guard key.count >= 3 else { return nil }
        let allowed = key.count <= 5 ? 1 : 2
        var best: (field: UserField, distance: Int)?
        for field in UserField.allCases {
            for alias in field.aliases {
                let distance = editDistance(key, Array(alias.unicodeScalars), limit: allowed)
                if distance <= allowed, distance < (best?.distance ?? .max) { best = (field, distance) }
            }
        }
        return best?.field
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions), giving up
    /// with `limit + 1` once every alignment is already further than `limit`.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowBest = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, before[j - 2] + 1)
                }
                current[j] = value
                rowBest = min(rowBest, value)
            }
            if rowBest > limit { return limit + 1 }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}
