import Glibc
import Logging
import UserImportCore

extension ImportPipeline {
    /// The work another daemon left when its lease ran out ([Database] TakeoverAfter: its host
    /// died, or it lost the server): its folder is finished here as that daemon would have at its
    /// next start (what it committed is published, what it had only claimed is imported), then the
    /// folder's lease is given back. The folder is found at the path the other daemon named (the
    /// shared filesystem is mounted at the same path on every host); a folder not there, or on
    /// another filesystem than this daemon's, is left alone and said once.
    public func finishAbandonedWork() throws -> [ImportRecord] {
        var records: [ImportRecord] = []
        for (daemon, publishesHere) in try store.abandonedWork() {
            guard let slash = daemon.firstIndex(of: "/") else { continue }
            let path = String(daemon[slash...])
            guard path != settings.paths.work, !unreachableWork.contains(daemon) else { continue }
            guard publishesHere else {
                // Its reports and files belong in its own done/ and failed/, not this daemon's.
                unreachableWork.insert(daemon)
                logger.warning(
                    "a daemon's lease ran out but it publishes into other folders than this one; its work is left for it",
                    metadata: ["daemon": "\(LogText.escaped(daemon))"])
                continue
            }
            var other = settings
            other.paths.work = path
            var status = stat()
            // Another daemon may take the folder first: then nil.
            guard let store = try self.store.finishing(daemon) else { continue }
            do {
                guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                    throw SetupError.workFolderMissing(path: path)
                }
                let finishing = try ImportPipeline(settings: other, logger: logger, now: now) { store }
                finishing.shouldStop = shouldStop
                finishing.onBusy = onBusy
                finishing.onProgress = onProgress
                finishing.exclusiveOfSending = exclusiveOfSending
                finishing.undoWindowRows = undoWindowRows
                logger.notice(
                    "finishing the work of a daemon whose lease ran out",
                    metadata: ["daemon": "\(LogText.escaped(daemon))", "work": "\(LogText.escaped(path))"])
                records += try finishing.reconcile()
                try store.releaseWork()
            } catch let error as SetupError {
                // Left for a daemon that can reach the folder: its lease stays run out.
                store.giveUpWork()
                unreachableWork.insert(daemon)
                logger.warning(
                    "a daemon's lease ran out but its work folder cannot be finished here",
                    metadata: ["daemon": "\(LogText.escaped(daemon))", "error": "\(error)"])
            } catch {
                // The server lost again, a file unreadable, a stop: tried again at a later rescan.
                store.giveUpWork()
                throw error
            }
        }
        return records
    }
}
