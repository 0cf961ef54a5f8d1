/// A file's bytes as CSV records: decoded, then parsed, a chunk at a time (the importer's reading,
/// apart from what it does with each record).
public struct RecordStream {
    private var decoder: TextDecoder
    private var parser: CSVParser
    /// Bytes read from the source so far.
    public private(set) var bytes = 0

    public init(encoding forced: InputEncoding? = nil, maxRecordBytes: Int) {
        decoder = TextDecoder(forced: forced)
        parser = CSVParser(maxRecordBytes: maxRecordBytes)
    }

    /// The encoding read (detected or forced), once the first bytes have been decoded.
    public var encoding: InputEncoding? { decoder.encoding }
    /// The delimiter, once the first record (the header) has been parsed.
    public var delimiter: Delimiter? { parser.delimiter }

    /// Emits every record of `source` in file order. An empty source is `FileError.empty`; a
    /// file-level problem (encoding, quoting, length) is the `FileError` it throws.
    public mutating func read<Source: ByteSource>(
        _ source: inout Source, emit: (CSVRecord) throws -> Void
    ) throws {
        try withUnsafeTemporaryAllocation(byteCount: Importer.chunkSize, alignment: 16) { buffer in
            while true {
                let count = try source.read(into: buffer)
                if count == 0 { break }
                bytes += count
                try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) { text in
                    try parser.parse(text, emit: emit)
                }
            }
        }
        if bytes == 0 { throw FileError.empty }
        try decoder.finish { text in try parser.parse(text, emit: emit) }
        try parser.finish(emit: emit)
    }
}
