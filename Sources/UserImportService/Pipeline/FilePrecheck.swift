import UserImportCore

/// File-level checks made before a byte is read: the same for an import and a dry run.
enum FilePrecheck {
    static func problem(name: FileName, info: EntryInfo, maxFileSize: Int) -> FileError? {
        if info.kind != .regular {
            // Never opened: a FIFO would block, a device could act, a symlink could point anywhere.
            return .notRegularFile(kind: info.kind.rawValue)
        }
        if name.kind == .wrongExtension { return .wrongExtension(name: name.display) }
        if info.size > maxFileSize { return .tooLarge(size: info.size, limit: maxFileSize) }
        return nil
    }
}
