import UserImportCore

/// What the pipeline needs from the configuration.
public struct PipelineSettings: Sendable, Equatable {
    public var paths: StatePaths
    public var options: ImportOptions
    /// Files larger than this fail without being parsed.
    public var maxFileSize: Int
    public var duplicatePolicy: DuplicatePolicy
    /// SQLite at `paths.database`, or a PostgreSQL server.
    public var database: DatabaseSettings

    public init(
        paths: StatePaths, options: ImportOptions = ImportOptions(), maxFileSize: Int = 1 << 30,
        duplicatePolicy: DuplicatePolicy = .done, database: DatabaseSettings = DatabaseSettings()
    ) {
        self.database = database
        self.paths = paths
        self.options = options
        self.maxFileSize = maxFileSize
        self.duplicatePolicy = duplicatePolicy
    }
}
