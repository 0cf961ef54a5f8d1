import Glibc
import UserImportCore
import UserImportStore

/// A person's decision on a file the mass-change guard held (`release-ID.request`, `reject-ID.request`
/// in the inbox, as `userimportctl release` and `reject` leave them).
///
/// Each step can be interrupted and taken again: the request is claimed into the work folder,
/// the decision recorded, then the held file is moved into the work folder and the request
/// removed; a release is then an import like any other (it finds the recorded decision and lifts
/// the guard), a reject a commit that turns the held import into a failed one, published into
/// failed/. A restart finishes whichever of these a crash interrupted, once.
///
/// Several daemons may share the inbox and held/: the claim gives each request to one of them,
/// and a decision recorded by another daemon is that daemon's to carry out (or the one that
/// finishes its work): a second request on the same import meanwhile is refused, not carried
/// out twice.
extension ImportPipeline {
    /// Takes a request out of the inbox into the work folder. False when another daemon took it
    /// first, one of that name is in hand already (taken up by `reconcile()`), or it is a
    /// directory: one cannot be removed as a request is, so it is left where it is, said once.
    func claimRequest(_ request: FileName) throws -> Bool {
        guard let info = try? inbox.status(of: request) else { return false }
        guard info.kind != .directory else {
            if warnedEntries.insert(request).inserted {
                logger.warning(
                    "a directory is named as a request; not carried out, left in the inbox",
                    metadata: ["file": "\(LogText.escaped(request.display))"])
            }
            return false
        }
        return try claim(request)
    }

    /// Whether an entry is a release or reject request.
    static func isHeldRequest(_ name: FileName) -> Bool {
        if case .request(let action, _) = name.kind { return action.held != nil }
        return false
    }

    /// Carries out a request claimed into the work folder.
    func carryOut(_ action: HeldAction, on id: Int64, requestedBy request: FileName) throws -> ImportRecord? {
        guard let info = try? work.status(of: request) else { return nil }
        // The request's owner is who decided: only a regular file with one link is theirs for sure.
        guard info.kind == .regular, info.links == 1 else {
            return try refuse(request, id: id, "the request is not a regular file with one link")
        }
        guard let placement = try store.placement(id: id) else {
            return try refuse(request, id: id, "there is no import \(id)")
        }
        let record = placement.record
        guard record.disposition == .held, record.releasedAs == nil else {
            let state =
                record.releasedAs.map { "it was released as import \($0)" }
                ?? "it is \(record.disposition.rawValue), not held"
            return try refuse(request, id: id, state)
        }
        let decision = HeldDecision(
            byUID: info.ownerUID, byName: AccountName.of(uid: info.ownerUID), at: now())
        let pending = try store.transaction { try store.recordDecision(action, on: id, decision) }
        TestHooks.reached(.decided, file: request)
        let being = "it is being \(pending.action == .release ? "released" : "rejected")"
        guard pending.action == action else { return try refuse(request, id: id, being) }
        // Its file may be on its way into that daemon's work folder: not this one's to move, nor
        // its decision to clear when the file is gone from held/.
        guard pending.recordedHere else { return try refuse(request, id: id, being + " by another daemon") }
        guard try moveToWork(placement) else {
            try store.transaction { try store.clearDecision(pending) }
            return try refuse(request, id: id, "its file is missing from held/")
        }
        TestHooks.reached(.heldMoved, file: request)
        try work.remove(request)
        try work.sync()
        logger.notice(
            "held import \(action == .release ? "released" : "rejected")",
            metadata: [
                "message_id": "\(LogMessageID.heldDecided)", "import_id": "\(id)",
                "file": "\(LogText.escaped(record.fileName))",
                "by": "\(LogText.escaped(decision.description))",
            ])
        switch action {
        case .release: return try importAndPublish(placement.workName, receivedAt: now())
        case .reject: return try reject(pending, placement)
        }
    }

    /// The work-folder file of a reject a crash interrupted after the move: the held import's file.
    func interruptedReject(_ workName: FileName) throws -> (HeldImports.Pending, UnpublishedImport)? {
        guard let pending = try store.pendingDecision(workName: workName), pending.action == .reject,
            let placement = try store.placement(id: pending.importID),
            // Still in held/: the file in hand is another one of the same name, dropped since.
            !held.exists(placement.publishedName)
        else { return nil }
        return (pending, placement)
    }

    /// Turns the held import into a failed one, rejected by whom, and publishes it into failed/.
    func reject(_ pending: HeldImports.Pending, _ placement: UnpublishedImport) throws -> ImportRecord {
        let committed = try store.transaction {
            var record = placement.record
            record.disposition = .failed
            record.error =
                "rejected by \(pending.decision.description); the mass-change guard had held it "
                + "(it would delete \(record.summary.counts.deleted) users); nothing was applied"
            record.decision = pending.decision
            var committed = UnpublishedImport(
                record: record, workName: placement.workName, destination: .failed,
                attempt: firstFreeAttempt(for: placement.workName, id: record.id, in: failed))
            committed.record.path = committed.recordedPath
            try store.finishImport(committed.record, publishAttempt: committed.attempt)
            try store.markUnpublished(id: record.id)
            try store.clearDecision(pending)
            return committed
        }
        TestHooks.reached(.committed, file: placement.workName)
        let published = try publish(committed)
        log(published)
        return published
    }

    /// Moves a held file into the work folder under its original name, and its report out of
    /// held/. False when the file is in neither place.
    private func moveToWork(_ placement: UnpublishedImport) throws -> Bool {
        let name = placement.publishedName
        // held/ may be shared with other daemons: touched only while this one holds its folder.
        try store.fence()
        do {
            try held.move(name, to: work, as: placement.workName, replace: false)
        } catch let error as SystemError where error.code == ENOENT {
            // Moved already, before a crash.
            guard work.exists(placement.workName) else { return false }
        }
        try work.sync()
        if held.exists(name.reportName) { try held.remove(name.reportName) }
        try held.sync()
        return true
    }

    private func refuse(_ request: FileName, id: Int64, _ why: String) throws -> ImportRecord? {
        logger.warning(
            "request on held import \(id) not carried out: \(why)",
            metadata: ["file": "\(LogText.escaped(request.display))", "import_id": "\(id)"])
        try work.remove(request)
        return nil
    }

    /// A report left in held/ without its file (a crash between the file's move and the report's
    /// removal). Not one whose file is on its way: held/ may be shared, and another daemon renames
    /// a held file's report in before the file.
    func removeOrphanHeldReports() throws {
        let names = try held.entries().map(\.name)
        let present = Set(names)
        for name in names where name.bytes.count > FileName.reportSuffix.count {
            guard name.bytes.reversed().starts(with: FileName.reportSuffix.reversed()) else { continue }
            let file = FileName(bytes: Array(name.bytes.dropLast(FileName.reportSuffix.count)))
            guard !present.contains(file),
                try !store.publishing.isBeingPublished(path: Destination.held.recordedPath(of: file))
            else { continue }
            try store.fence()
            try held.remove(name)
        }
    }
}
