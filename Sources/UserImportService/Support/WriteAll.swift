import Glibc

/// Writes all of `bytes` to `fd`, resuming after partial writes and EINTR. Returns false (with
/// errno set) when the descriptor refuses them.
@discardableResult
public func writeAll<Bytes: Collection>(_ fd: Int32, _ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
    let done: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
    return done ?? writeAll(fd, Array(bytes))
}
