import Testing
import UserImportCore

@testable import UserImportStore

/// The user a row changed, as it was before (format 3): what an undo restores, so it must come
/// back exactly, and damage to it must never read as a user.
extension RowChunkTests {
    static func user(
        _ email: String, _ state: UserState, first: String = "Ann", last: String = "Lee",
        alternateID: String = "", workPhone: String = "", title: String = "", department: String = ""
    ) -> StoredUser {
        StoredUser(
            email: email,
            profile: UserProfile(
                firstName: first, lastName: last, alternateID: alternateID, workPhone: workPhone,
                title: title,
                department: department),
            state: state)
    }

    /// Every outcome that writes, with each previous state it can have replaced, among rows that
    /// keep none and rows that keep cells.
    static let rowsWithPrevious = [
        RowResult(
            line: 2, email: "ann@example.com", status: "New", outcome: .created, reason: "invitation queued",
            previous: user(
                "ann@example.com", .deleted, first: "Zoë", last: "Ñúñez, Jr.", alternateID: "E-1",
                workPhone: "+1 555", title: "\"Chief\"", department: "R&D 🙂")),
        RowResult(
            line: 3, email: "new@example.com", status: "New", outcome: .created, reason: "invitation queued"),
        RowResult(
            line: 4, email: "ann@example.com", status: "Update", outcome: .updated, reason: "profile updated",
            previous: user("ann@example.com", .invited)),
        RowResult(
            line: 5, email: "bob@example.com", status: "New", outcome: .updated,
            reason: "already exists; no invitation sent",
            previous: user("bob@example.com", .active, first: "")),
        RowResult(
            line: 6, email: "bob@example.com", status: "New", outcome: .updated,
            reason: "already exists; no invitation sent"),
        RowResult(
            line: 7, email: "", status: "", outcome: .rejected, reason: "Email ID is empty", cells: ["", "x"]),
        RowResult(
            line: 9, email: "ann@example.com", status: "Activate", outcome: .activated,
            reason: "activation email queued", previous: user("ann@example.com", .invited, title: "T")),
        RowResult(
            line: 10, email: "ann@example.com", status: "Delete", outcome: .deleted,
            reason: "account deleted",
            previous: user("ann@example.com", .active, department: String(repeating: "é", count: 5_000))),
        RowResult(
            line: 11, email: "bob@example.com", status: "Delete", outcome: .deleted,
            reason: "account deleted",
            previous: user("bob@example.com", .invited)),
        RowResult(
            line: 12, email: "bob@example.com", status: "Activate", outcome: .unchanged,
            reason: "already active"),
    ]

    @Test func previousUsersRoundTrip() throws {
        let bytes = try Self.encode(Self.rowsWithPrevious)
        #expect(
            try RowChunk.decode(bytes, firstLine: 2, rowCount: Int64(Self.rowsWithPrevious.count))
                == Self.rowsWithPrevious)
    }

    /// What `RowRules` can write, and only that, is a previous user the format accepts: outcome by
    /// outcome and state by state.
    @Test func aPreviousUserFitsOnlyTheOutcomesThatReplaceIt() throws {
        let fitting: Set<String> = [
            "created deleted", "updated invited", "updated active", "deleted invited", "deleted active",
            "activated invited",
        ]
        for outcome in RowOutcome.allCases {
            for state in UserState.allCases {
                let fits = fitting.contains("\(outcome.rawValue) \(state.rawValue)")
                #expect(RowChunk.fits(state, outcome) == fits, "\(outcome) \(state)")
                let row = RowResult(
                    line: 2, email: "a", status: "b", outcome: outcome, reason: "",
                    previous: Self.user("a", state))
                var encoder = RowChunkEncoder(reservingCapacity: 0)
                if fits {
                    try encoder.append(row)
                    #expect(try RowChunk.decode(encoder.bytes, firstLine: 2, rowCount: 1) == [row])
                } else {
                    #expect(throws: StoreError.previousUserDoesNotFit(line: 2)) { try encoder.append(row) }
                    // The same bytes, written by hand, are damage.
                    var bytes = try Self.encode([
                        RowResult(line: 2, email: "a", status: "b", outcome: outcome, reason: "")
                    ])
                    bytes.removeLast()
                    bytes += [
                        RowChunk.code(of: state) + 1, 3, 0x41, 0x6E, 0x6E, 3, 0x4C, 0x65, 0x65, 0, 0, 0, 0,
                    ]
                    Self.expectCorrupt(bytes)
                }
            }
        }
    }

    @Test func thePreviousUserMustBeTheRowsOwn() throws {
        var encoder = RowChunkEncoder(reservingCapacity: 0)
        let row = RowResult(
            line: 2, email: "ann@example.com", status: "Update", outcome: .updated, reason: "",
            previous: Self.user("bob@example.com", .active))
        #expect(throws: StoreError.previousUserDoesNotFit(line: 2)) { try encoder.append(row) }
        #expect(encoder.rowCount == 0)
        #expect(encoder.bytes == [RowChunk.format], "nothing half-written")
    }

    @Test func everyTruncationOfAPreviousUserIsCorrupt() throws {
        let rows = [Self.rowsWithPrevious[0], Self.rowsWithPrevious[2]]
        let bytes = try Self.encode(rows)
        #expect(try RowChunk.decode(bytes, firstLine: 2, rowCount: 2) == rows)
        for end in 0..<bytes.count {
            Self.expectCorrupt(Array(bytes[..<end]), rowCount: 2)
        }
    }

    @Test func aBadPreviousUserByteIsCorrupt() throws {
        // One updated row at line 2: format 3, line, outcome, email "a", status "b", reason "",
        // no cells, then an active user "A" "B" with four empty fields.
        let valid: [UInt8] = [3, 2, 1, 1, 0x61, 1, 0x62, 0, 0, 2, 1, 0x41, 1, 0x42, 0, 0, 0, 0]
        #expect(
            try RowChunk.decode(valid, firstLine: 2, rowCount: 1).first?.previous
                == StoredUser(email: "a", profile: UserProfile(firstName: "A", lastName: "B"), state: .active)
        )
        for marker: UInt8 in [4, 5, 0x80, 0xFF] {
            var unknownState = valid
            unknownState[9] = marker
            Self.expectCorrupt(unknownState)
        }
        var longerThanTheChunk = valid
        longerThanTheChunk[17] = 1
        Self.expectCorrupt(longerThanTheChunk)
        var invalidUTF8 = valid
        invalidUTF8[11] = 0xC3
        Self.expectCorrupt(invalidUTF8)
        // No previous user, then the bytes of one: bytes after the row.
        var none = valid
        none[9] = 0
        Self.expectCorrupt(none)
        #expect(
            try RowChunk.decode(Array(valid[..<10]) + [0, 0, 0, 0, 0, 0], firstLine: 2, rowCount: 1).first?
                .previous?.profile == UserProfile(firstName: "", lastName: ""))
    }
}
