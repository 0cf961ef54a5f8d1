import CLinux
import Glibc
import UserImportCore

/// What `lstat` says about an entry, without following symlinks.
public struct EntryInfo: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case regular = "regular file"
        case directory
        case symlink = "symbolic link"
        case fifo = "FIFO (named pipe)"
        case socket
        case device = "device node"
    }

    public var kind: Kind
    public var size: Int
    public var links: Int
    public var ownerUID: UInt32
    public var device: UInt64
    public var modified: Timestamp
    public var changed: Timestamp

    public init(_ st: stat) {
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        default: kind = .device
        }
        size = Int(st.st_size)
        links = Int(st.st_nlink)
        ownerUID = st.st_uid
        device = UInt64(st.st_dev)
        modified = Timestamp(
            millisecondsSinceEpoch: Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000)
        changed = Timestamp(
            millisecondsSinceEpoch: Int64(st.st_ctim.tv_sec) * 1000 + Int64(st.st_ctim.tv_nsec) / 1_000_000)
    }
}

/// An open directory; every operation on its entries goes through this fd (`*at` calls), so a
/// hostile name (leading dash, newline, invalid UTF-8) is just bytes and a renamed-away parent
/// cannot redirect us.
public final class Folder: Sendable {
    public let path: String
    let fd: Int32

    /// Opens `path`, creating it (mode `mode`) when missing.
    public init(path: String, create mode: mode_t? = nil) throws {
        // Only when missing: under RestrictSUIDSGID= even a mkdir of an existing setgid folder is refused.
        var created = false
        if let mode, access(path, F_OK) != 0 {
            // Made without setgid, which RestrictSUIDSGID= refuses in a mkdir; the fchmod below
            // adds it where allowed (an upgrade that brings a new folder needs no tmpfiles run).
            guard mkdir(path, mode & ~S_ISGID) == 0 || errno == EEXIST else {
                throw SystemError("cannot create directory", name: path)
            }
            created = true
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("cannot open directory", name: path) }
        self.fd = fd
        self.path = path
        // mkdir ignores the setgid bit and the umask trims the rest: set the mode we asked for
        // (without setgid where the sandbox forbids it).
        if created, let mode, fchmod(fd, mode) != 0 {
            _ = fchmod(fd, mode & ~S_ISGID)
        }
    }

    deinit {
        close(fd)
    }

    public func info() throws -> EntryInfo {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError("cannot stat", name: path) }
        return EntryInfo(st)
    }

    /// Every entry but `.` and `..`, with its lstat; entries that vanish meanwhile are skipped.
    public func entries() throws -> [(name: FileName, info: EntryInfo)] {
        // A fresh open description: a dup() would share the directory offset with other listers.
        let copy = userimport_openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw SystemError("cannot list", name: path)
        }
        defer { closedir(stream) }
        var result: [(FileName, EntryInfo)] = []
        while let entry = readdir(stream) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            let name = FileName(bytes: bytes)
            if let info = try? status(of: name) { result.append((name, info)) }
        }
        return result
    }

    public func status(of name: FileName) throws -> EntryInfo {
        var st = stat()
        let code = fstatat(fd, name.cString, &st, AT_SYMLINK_NOFOLLOW)
        guard code == 0 else { throw SystemError("cannot stat", name: name.display) }
        return EntryInfo(st)
    }

    public func exists(_ name: FileName) -> Bool {
        (try? status(of: name)) != nil
    }

    /// Opens a regular file for reading without following a symlink and without blocking on a FIFO.
    public func openForReading(_ name: FileName) throws -> Int32 {
        let fd = userimport_openat(self.fd, name.cString, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0)
        guard fd >= 0 else { throw SystemError("cannot open", name: name.display) }
        return fd
    }

    /// Creates (truncating) a file of ours for writing; with `exclusive`, an existing name is an
    /// `EEXIST` error instead.
    public func create(_ name: FileName, mode: mode_t = 0o640, exclusive: Bool = false) throws -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        let fd = userimport_openat(self.fd, name.cString, flags, mode)
        guard fd >= 0 else { throw SystemError("cannot create", name: name.display) }
        return fd
    }

    /// Atomic rename into `target` (same filesystem). With `replace: false` an existing name is an
    /// `EEXIST` error rather than a loss.
    public func move(_ name: FileName, to target: Folder, as newName: FileName, replace: Bool) throws {
        if replace {
            guard renameat(fd, name.cString, target.fd, newName.cString) == 0 else {
                throw SystemError("cannot rename", name: name.display)
            }
            return
        }
        if userimport_rename_noreplace(fd, name.cString, target.fd, newName.cString) == 0 { return }
        guard errno == EINVAL || errno == ENOSYS else {
            throw SystemError("cannot rename", name: name.display)
        }
        try moveWithoutRenameat2(name, to: target, as: newName)
    }

    /// Filesystems without RENAME_NOREPLACE (some NFS and FUSE ones): a hard link fails with
    /// EEXIST as the no-replace rename would; folders, which cannot be linked, are checked first.
    private func moveWithoutRenameat2(_ name: FileName, to target: Folder, as newName: FileName) throws {
        if (try? status(of: name))?.kind == .directory {
            guard !target.exists(newName) else {
                throw SystemError("cannot rename", name: name.display, code: EEXIST)
            }
            guard renameat(fd, name.cString, target.fd, newName.cString) == 0 else {
                throw SystemError("cannot rename", name: name.display)
            }
            return
        }
        guard linkat(fd, name.cString, target.fd, newName.cString, 0) == 0 else {
            throw SystemError("cannot rename", name: name.display)
        }
        guard unlinkat(fd, name.cString, 0) == 0 else {
            throw SystemError("cannot remove", name: name.display)
        }
    }

    public func remove(_ name: FileName) throws {
        let code = unlinkat(fd, name.cString, 0)
        guard code == 0 || errno == ENOENT else { throw SystemError("cannot remove", name: name.display) }
    }

    /// Makes renames into or out of this directory durable.
    public func sync() throws {
        guard fsync(fd) == 0 else { throw SystemError("cannot fsync", name: path) }
    }
}

extension FileName {
    /// NUL-terminated, for the `*at` system calls (a name can hold no NUL byte).
    var cString: [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }
}

extension FileFate {
    /// The checks made before a byte is read, for an entry as `lstat` saw it.
    public static func precheck(name: FileName, info: EntryInfo, maxFileSize: Int) -> FileError? {
        precheck(
            name: name, notRegular: info.kind == .regular ? nil : info.kind.rawValue, size: info.size,
            maxFileSize: maxFileSize)
    }
}
