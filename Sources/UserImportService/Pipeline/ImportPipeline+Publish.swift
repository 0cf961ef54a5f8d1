import Glibc
import UserImportCore
import UserImportStore

extension ImportPipeline {
    /// Writes the report (temp in work/, fsync, rename) and then moves the file beside it, never
    /// replacing anything, and marks the import published. Safe to run again after a crash at any point.
    ///
    /// Each rename into the published folders (`publishMove`), and each record of it, is fenced by
    /// the folder's lease: a daemon that lost its lease since it committed stops here, and the
    /// daemon finishing its work publishes the import instead, once.
    func publish(_ committed: UnpublishedImport) throws -> ImportRecord {
        var pending = committed
        let destination = folder(for: pending.destination)
        while true {
            let name = pending.publishedName
            if destination.exists(name) {
                // Taken since the import chose it (by hand): choose again before writing anything.
                pending.attempt = firstFreeAttempt(
                    for: pending.workName, id: pending.record.id, in: destination, from: pending.attempt + 1)
                pending.record.path = pending.recordedPath
                try store.renamePublished(
                    id: pending.record.id, path: pending.recordedPath, attempt: pending.attempt)
                continue
            }
            try writeReport(pending.record, to: destination, as: name.reportName)
            try writeRejectedRows(pending.record, to: destination, as: name.rejectedRowsName)
            TestHooks.reached(.reportWritten, file: pending.workName)
            do {
                try publishMove(pending.workName, to: destination, as: name, replace: false)
            } catch let error as SystemError where error.code == EEXIST {
                // Taken in the instant between: the report just written belongs to no file here.
                try destination.remove(name.reportName)
                if destination.exists(name.rejectedRowsName) { try destination.remove(name.rejectedRowsName) }
                continue
            }
            break
        }
        try destination.sync()
        try work.sync()
        TestHooks.reached(.moved, file: pending.workName)
        try store.markPublished(id: pending.record.id, path: pending.recordedPath)
        return pending.record
    }

    func writeReport(_ record: ImportRecord, to folder: Folder, as reportName: FileName) throws {
        let temp = FileName(".report-\(record.id).tmp")
        let fd = try work.create(temp)
        defer { close(fd) }
        var writer = FileWriter(fd: fd, name: temp.display, onFlush: onBusy)
        let rows = try store.rows(importID: record.id)
        // The lines straight from the stored bytes: a RowResult of each of a million rows, with
        // its Strings, was most of the report's time.
        ReportText.render(record, to: &writer) { rows.appendReportLines(to: &$0) }
        if let failure = rows.failure { throw failure }
        try writer.finish()
        try publishMove(temp, to: folder, as: reportName, replace: true)
    }

    /// Every rename out of the work folder into a published folder: fenced by the folder's lease
    /// (`PipelineStore.fence`) just before.
    func publishMove(_ name: FileName, to folder: Folder, as published: FileName, replace: Bool) throws {
        try store.fence()
        try work.move(name, to: folder, as: published, replace: replace)
    }

    /// Finishes whatever a crash or a transient error left in the work folder, before any new
    /// file is claimed: committed imports are published, claimed-but-uncommitted files are
    /// imported again (their transaction was rolled back, so nothing of them was applied).
    @discardableResult
    public func reconcile() throws -> [ImportRecord] {
        var records: [ImportRecord] = []
        for pending in try store.unpublished() {
            let record = pending.record
            let destination = folder(for: pending.destination)
            let name = pending.publishedName
            if work.exists(pending.workName) {
                records.append(try publish(pending))
            } else if destination.exists(name) {
                // Moved before the crash; the report and the rows file were written first, but make
                // sure of them.
                if !destination.exists(name.reportName) {
                    try writeReport(record, to: destination, as: name.reportName)
                    try destination.sync()
                }
                if RejectedRowsText.isWritten(for: record) && !destination.exists(name.rejectedRowsName) {
                    try writeRejectedRows(record, to: destination, as: name.rejectedRowsName)
                    try destination.sync()
                }
                try store.markPublished(id: record.id, path: record.path ?? "")
                records.append(record)
            } else {
                logger.error(
                    "a committed import's file is missing from the work folder; marking it published",
                    metadata: ["import_id": "\(record.id)", "file": "\(LogText.escaped(record.fileName))"])
                try store.markPublished(id: record.id, path: record.path ?? "")
            }
        }
        // A report being written here is this daemon's only while it holds the folder.
        try store.fence()
        // A claimed request first: it carries out the decision on the held file it may have moved
        // in beside it, which is then gone from this listing (and would otherwise be imported or
        // rejected first, and the request refused for a decision already carried out).
        let entries = try work.entries()
        let requestsFirst =
            entries.filter { Self.isHeldRequest($0.name) } + entries.filter { !Self.isHeldRequest($0.name) }
        for (name, info) in requestsFirst where work.exists(name) {
            // A report being written, or a scratch file named for the instant before its unlink
            // where the file system has no unnamed files (`TemporarySpillFile`).
            if name.bytes.starts(with: Array(".report-".utf8))
                || name.bytes.starts(with: Array(".userimport-scratch-".utf8))
            {
                try work.remove(name)
                continue
            }
            if case .request(let action, let id) = name.kind, let held = action.held {
                // Claimed before a restart; carried out from where it stopped.
                if let record = try carryOut(held, on: id, requestedBy: name) { records.append(record) }
                continue
            }
            if let (pending, placement) = try interruptedReject(name) {
                records.append(try reject(pending, placement))
                continue
            }
            logger.notice(
                "importing a file claimed before a restart",
                metadata: ["file": "\(LogText.escaped(name.display))"])
            records.append(try importAndPublish(name, receivedAt: info.changed))
        }
        try removeOrphanHeldReports()
        return records
    }
}
