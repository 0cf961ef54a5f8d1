/// Rows read but not yet decided; `prepared()` readies them for `PreparedBatch.apply`, the one
/// loop that decides them.
struct RowBatch {
    var rows: [ParsedRow] = []

    /// The batch with its distinct users in the directory's key order, worked out by the thread
    /// that parsed it, so the one writing to the directory does only that.
    func prepared() -> PreparedBatch {
        // Sorting the rows' emails gives the batch's distinct users in key order; `slot[row]` is
        // where the row's user sits in that order. Arrays, not dictionaries: a batch stays a few
        // megabytes.
        var byEmail: [(email: String, row: Int)] = []
        byEmail.reserveCapacity(rows.count)
        // Read in place, never bound: a row taken out of the array was copied, then freed,
        // field by field, for its email alone.
        rows.withUnsafeBufferPointer { rows in
            for index in rows.indices {
                if let email = Self.email(ofValid: rows[index]) { byEmail.append((email, index)) }
            }
        }
        byEmail.sort { RowBatch.emailOrder($0.email, $1.email) }
        var emails: [String] = []
        var slot = [Int](repeating: -1, count: rows.count)
        for entry in byEmail {
            if emails.last != entry.email { emails.append(entry.email) }
            slot[entry.row] = emails.count - 1
        }
        return PreparedBatch(rows: rows, emails: emails, slot: slot)
    }

    private static func email(ofValid parsed: borrowing ParsedRow) -> String? {
        switch parsed {
        case .valid(let row): row.email
        case .invalid: nil
        }
    }

    /// SQLite's BINARY collation, byte order of the UTF-8 text. A valid email is ASCII, where
    /// Swift's string order (a memcmp on this path) is that same order.
    static func emailOrder(_ a: String, _ b: String) -> Bool {
        a < b
    }
}

/// A batch ready to apply: its rows, its distinct emails in key order, and each row's email slot.
struct PreparedBatch: Sendable {
    let rows: [ParsedRow]
    let emails: [String]
    let slot: [Int]

    /// Decides every row in file order — each against the user as the rows before it left it, by
    /// `RowRules` — queues the emails the decisions ask for, then writes the batch's changed users
    /// in email order.
    func apply<Directory: UserDirectory, Outbox: NotificationOutbox, Sink: RowResultSink>(
        directory: inout Directory, outbox: inout Outbox, results: inout Sink, counts: inout OutcomeCounts
    ) throws {
        guard !rows.isEmpty else { return }
        var users = try directory.users(emails: emails)
        var changed = [Bool](repeating: false, count: emails.count)
        // Read in place, never bound: a row taken out of the array was copied, then freed,
        // field by field, on the thread that writes to the directory.
        try rows.withUnsafeBufferPointer { rows in
            for index in rows.indices {
                let result = try Self.decide(
                    rows[index], slot: slot[index], users: &users, changed: &changed, outbox: &outbox)
                counts[result.outcome] += 1
                try results.record(result)
            }
        }
        try outbox.flush()
        // Handed over a few thousand at a time, still in email order: a second array of every
        // changed user would be the batch's largest allocation.
        var written: [StoredUser] = []
        written.reserveCapacity(Self.usersPerStore)
        for index in users.indices where changed[index] {
            // Moved out, not copied: the batch's users are not needed after this.
            guard let user = users[index].take() else { continue }
            written.append(user)
            if written.count == Self.usersPerStore {
                try directory.store(written)
                written.removeAll(keepingCapacity: true)
            }
        }
        if !written.isEmpty { try directory.store(written) }
    }

    /// One row's result, decided against the user in its slot as the rows before it left it.
    private static func decide<Outbox: NotificationOutbox>(
        _ parsed: borrowing ParsedRow, slot: Int, users: inout [StoredUser?], changed: inout [Bool],
        outbox: inout Outbox
    ) throws -> RowResult {
        switch parsed {
        case .invalid(let invalid):
            return invalid
        case .valid(let row):
            let before = users[slot]
            var decision = RowRules.decide(row, current: before)
            let writes = decision.write != nil
            if let kind = decision.notification, let user = decision.write {
                try outbox.queue(kind, for: user, line: row.line)
            }
            // Moved into its slot, not copied: the decision is not read for it again.
            if let user = decision.write.take() {
                users[slot] = user
                changed[slot] = true
            }
            return RowResult(
                line: row.line, email: row.email, status: row.status.rawValue, outcome: decision.outcome,
                reason: decision.reason,
                cells: RejectedRowsText.holds(decision.outcome) ? row.cells : nil,
                // Only a write can be undone; a user new to the directory has nothing to go back to.
                previous: writes ? before : nil)
        }
    }

    static let usersPerStore = 4_096
}
