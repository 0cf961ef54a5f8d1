/// What reading a file established, beyond the per-row results.
public struct ImportSummary: Sendable, Equatable {
    public var encoding: InputEncoding?
    public var delimiter: Delimiter?
    public var headers: [HeaderReading] = []
    public var warnings: [String] = []
    public var counts = OutcomeCounts()
    public var rows = 0
    public var bytes = 0
    /// Set when the file as a whole cannot be imported; whatever was written must be discarded.
    public var error: FileError?

    public init() {}
}
