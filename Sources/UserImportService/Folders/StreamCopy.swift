import Glibc

/// Copies a descriptor to its end (a file or a pipe) into another, a large block at a time;
/// `submit` hashes each block on the way, `validate -` only copies.
public enum StreamCopy {
    public static func copy(
        from source: Int32, describedAs origin: String, to target: Int32, targetName: String,
        eachBlock: (ArraySlice<UInt8>) -> Void = { _ in }
    ) throws {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw SystemError("cannot read", name: origin) }
            if count == 0 { return }
            eachBlock(buffer[0..<count])
            guard writeAll(target, buffer[0..<count]) else {
                throw SystemError("cannot write", name: targetName)
            }
        }
    }
}
