import CLinux
import Glibc
import UserImportCore

/// inotify on the inbox. Events are hints: the daemon also scans at start, after an overflow and
/// periodically (the README's "Running the daemon").
final class InboxWatcher {
    enum Event: Equatable {
        /// Renamed into the inbox: complete by the dropper's word, taken at once.
        case movedIn(FileName)
        /// Written in place, or created (a hard-link drop): taken once it has settled.
        case written(FileName)
        /// The kernel queue overflowed: events were lost, rescan.
        case overflow
        /// The inbox itself was removed, renamed or unmounted: the watch is dead.
        case inboxGone
    }

    private let fd: Int32
    private let watch: Int32
    let path: String

    init(path: String) throws {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw SystemError("inotify_init1") }
        let mask =
            UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
        watch = inotify_add_watch(fd, path, mask)
        guard watch >= 0 else {
            let error = SystemError("cannot watch", name: path)
            close(fd)
            throw error
        }
        self.path = path
    }

    deinit {
        close(fd)
    }

    /// Filesystems where inotify sees only local changes: files written by other hosts arrive by
    /// the periodic rescan instead.
    var isNetworkFilesystem: Bool {
        var info = statfs()
        guard statfs(path, &info) == 0 else { return false }
        let networkTypes: Set<UInt64> = [
            0x6969,  // NFS
            0x517B,  // SMB
            0xFF53_4D42,  // CIFS
            0xFE53_4D42,  // SMB2
            0x6573_5546,  // FUSE (sshfs, …)
        ]
        return networkTypes.contains(UInt64(UInt32(truncatingIfNeeded: info.f_type)))
    }

    /// Waits up to `timeout` milliseconds for events or for `wakeFD` to become readable.
    func wait(timeoutMilliseconds timeout: Int, wakeFD: Int32) throws -> [Event] {
        var fds = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&fds, 2, Int32(clamping: max(0, timeout)))
        if ready < 0 {
            if errno == EINTR { return [] }
            throw SystemError("poll")
        }
        guard fds[0].revents != 0 else { return [] }
        return try readEvents()
    }

    private func readEvents() throws -> [Event] {
        var events: [Event] = []
        let size = 64 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, size)
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { return events }
                throw SystemError("inotify read")
            }
            if count == 0 { return events }
            var offset = 0
            while offset + 16 <= count {
                let mask = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                let nameBytes = UnsafeRawBufferPointer(
                    rebasing: buffer[(offset + 16)..<(offset + 16 + length)])
                let name = FileName(bytes: Array(nameBytes.prefix { $0 != 0 }))
                offset += 16 + length
                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    events.append(.overflow)
                } else if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT) != 0 {
                    events.append(.inboxGone)
                } else if mask & UInt32(IN_MOVED_TO) != 0 {
                    events.append(.movedIn(name))
                } else if !name.bytes.isEmpty {
                    events.append(.written(name))
                }
            }
        }
    }
}
