/// Why an undo undoes nothing: the daemon's report in failed/ and `userimportctl undo` say the same.
public enum UndoRefusal: Error, Equatable {
    case noSuchImport(Int64)
    case isAnUndo(Int64)
    case notDone(Int64, Disposition)
    case undoneAlready(Int64, by: Int64)
    case storedWithoutPreviousValues(Int64)
    case rowsPruned(Int64)

    /// The one rule for whether import `id` (`record`, nil when there is none) can be undone,
    /// as far as its history row tells; the rows themselves may still refuse (stored without
    /// previous values).
    public static func of(_ record: ImportRecord?, id: Int64) -> UndoRefusal? {
        guard let record else { return .noSuchImport(id) }
        if record.undoOf != nil { return .isAnUndo(id) }
        guard record.disposition == .done else { return .notDone(id, record.disposition) }
        if let undo = record.undoneBy { return .undoneAlready(id, by: undo) }
        if record.rowsPrunedAt != nil { return .rowsPruned(id) }
        return nil
    }

    public var message: String {
        switch self {
        case .noSuchImport(let id): return "there is no import \(id); see userimportctl history"
        case .isAnUndo(let id):
            return "import \(id) is an undo, which cannot be undone; import the file again instead"
        case .notDone(let id, let disposition):
            return "import \(id) is \(disposition.rawValue): it applied nothing, there is nothing to undo"
        case .undoneAlready(let id, let by): return "import \(id) was undone already, by import \(by)"
        case .storedWithoutPreviousValues(let id):
            return
                "import \(id) was stored by an older version that kept no previous values; it cannot be undone"
        case .rowsPruned(let id):
            return "import \(id) is older than [History] KeepRowResults: its row results and previous values "
                + "were pruned, so it cannot be undone"
        }
    }
}
