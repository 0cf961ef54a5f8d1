/// Thrown by a step of idle upkeep (pruning, indexing) when another daemon sharing the database
/// is at it, or a running import or undo holds what the step needs: not a failure, and not
/// "nothing left" either. The daemon tries again a minute later.
public struct UpkeepBusy: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "another daemon or import holds the history's upkeep" }
}
