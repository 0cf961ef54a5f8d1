/// A decided row as a sorted import's results file holds it, read in place: each text is its
/// UTF-8 bytes inside the record (checked as they are read), valid only during the call that
/// hands the row out.
///
/// A sink that stores bytes (the row chunks, the outbox blocks) copies them as they are. Making
/// ten million results into Strings only to encode them again took most of the time a large
/// file spent being filed in line order.
public struct DecidedRowBytes {
    public struct Profile {
        public var firstName: UnsafeRawBufferPointer
        public var lastName: UnsafeRawBufferPointer
        public var alternateID: UnsafeRawBufferPointer
        public var workPhone: UnsafeRawBufferPointer
        public var title: UnsafeRawBufferPointer
        public var department: UnsafeRawBufferPointer

        /// The fields in the order `UserProfile` declares them.
        public func forEachField(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
            try body(firstName)
            try body(lastName)
            try body(alternateID)
            try body(workPhone)
            try body(title)
            try body(department)
        }

        func profile() -> UserProfile {
            UserProfile(
                firstName: text(firstName), lastName: text(lastName), alternateID: text(alternateID),
                workPhone: text(workPhone), title: text(title), department: text(department))
        }
    }

    /// The user as stored before the row changed it.
    public struct Previous {
        public var state: UserState
        public var email: UnsafeRawBufferPointer
        public var profile: Profile
    }

    /// The email the row's decision queued.
    public struct Notification {
        public var kind: NotificationKind
        public var email: UnsafeRawBufferPointer
        public var firstName: UnsafeRawBufferPointer
        public var lastName: UnsafeRawBufferPointer

        public func recipient() -> Recipient {
            Recipient(email: text(email), firstName: text(firstName), lastName: text(lastName))
        }
    }

    public var line: Int
    public var outcome: RowOutcome
    public var email: UnsafeRawBufferPointer
    public var status: UnsafeRawBufferPointer
    public var reason: UnsafeRawBufferPointer
    public var cells: [UnsafeRawBufferPointer]?
    public var previous: Previous?
    public var notification: Notification?

    /// The row's result as Strings, for a sink without a way of its own.
    public func result() -> RowResult {
        RowResult(
            line: line, email: text(email), status: text(status), outcome: outcome, reason: text(reason),
            cells: cells?.map(text),
            previous: previous.map {
                StoredUser(email: text($0.email), profile: $0.profile.profile(), state: $0.state)
            })
    }

    func decided() -> DecidedRow {
        DecidedRow(
            result: result(),
            notification: notification.map { .init(kind: $0.kind, recipient: $0.recipient()) })
    }
}

/// Checked UTF-8 as it is (`SpillReader.textBytes`).
private func text(_ bytes: UnsafeRawBufferPointer) -> String {
    String(decoding: bytes, as: UTF8.self)
}
