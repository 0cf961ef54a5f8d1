import UserImportCore

/// The directory side of an undo, inside the undo's transaction: the plan's changes written back.
public struct UndoWriter {
    private let connection: SQLiteConnection
    private let undoID: Int64
    private let now: Int64

    public init(database: ImportDatabase, undoID: Int64, now: Timestamp) {
        connection = database.connection
        self.undoID = undoID
        self.now = now.millisecondsSinceEpoch
    }

    /// Writes each step: a user the import created goes, one it changed gets its previous values and
    /// state back (written by the undo: a later undo of the undo is refused, a later import may
    /// change it again). Kept and absent users are left alone.
    public func apply(_ steps: [UndoPlan.Step]) throws {
        let delete = try connection.prepare("DELETE FROM users WHERE email = ?")
        let restore = try connection.prepare(
            """
            UPDATE users SET first_name = ?2, last_name = ?3, alternate_id = ?4, work_phone = ?5, title = ?6,
                department = ?7, state = ?8, updated_at = ?9, last_import_id = ?10
            WHERE email = ?1
            """)
        for step in steps {
            switch step.action {
            case .delete:
                try delete.run(.text(step.email))
            case .restore(let previous):
                let p = previous.profile
                try restore.run(
                    .text(step.email), .text(p.firstName), .text(p.lastName), .text(p.alternateID),
                    .text(p.workPhone), .text(p.title), .text(p.department), .text(previous.state.rawValue),
                    .int(now), .int(undoID))
            case .kept, .absent:
                break
            }
        }
    }
}
