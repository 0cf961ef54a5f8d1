import Glibc

/// Writes a whole file under a temporary name, fsyncs it and renames it into place, so a reader
/// never sees half of it.
public enum AtomicFile {
    public static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError("cannot create", name: temp) }
        var writer = FileWriter(fd: fd, name: temp)
        writer.write(text)
        do {
            try writer.finish()
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let error = SystemError("cannot rename into place", name: path)
            unlink(temp)
            throw error
        }
    }
}
