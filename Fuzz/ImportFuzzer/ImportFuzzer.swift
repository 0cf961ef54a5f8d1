import UserImportCore

/// libFuzzer entry point: arbitrary bytes are one dropped file.
///
/// The whole pure-core import runs on them (decode → parse → header → validate → decide →
/// report), the way the pipeline and `validate` run it, under several option sets and read
/// chunkings. Any trap is a defect; so is a broken invariant (`FuzzCheck.require`).
@_cdecl("LLVMFuzzerTestOneInput")
public func importFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    for options in FuzzImport.optionSets {
        FuzzImport(bytes: bytes, options: options).check()
    }
    FuzzValues.check(bytes)
    return 0
}
