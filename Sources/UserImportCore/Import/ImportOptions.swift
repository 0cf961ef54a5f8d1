/// The limits and policies one import runs under (from the configuration file).
public struct ImportOptions: Sendable, Equatable {
    /// Longest record in bytes; bounds the reader's memory and catches a quote that is never closed.
    public var maxRecordBytes: Int
    /// Most data rows a file may have.
    public var maxRows: Int
    /// Longest field value, in Unicode scalars.
    public var maxValueLength: Int
    /// Any rejected row fails the whole file with nothing applied.
    public var strict: Bool
    /// Used for a file that is not UTF-8 and has no UTF-16 byte-order mark.
    public var fallbackEncoding: InputEncoding?
    /// Holds a file that would delete too many users.
    public var massChange: MassChangeGuard

    public init(
        maxRecordBytes: Int = 1 << 20, maxRows: Int = 10_000_000, maxValueLength: Int = 256,
        strict: Bool = false,
        fallbackEncoding: InputEncoding? = nil, massChange: MassChangeGuard = MassChangeGuard()
    ) {
        self.maxRecordBytes = maxRecordBytes
        self.maxRows = maxRows
        self.maxValueLength = maxValueLength
        self.strict = strict
        self.fallbackEncoding = fallbackEncoding
        self.massChange = massChange
    }
}
