/// Where one sorted run lies in its spill file: its byte ranges, in order. Most runs are written
/// in one piece; the results of rows rejected before the directory grow by one piece a batch.
struct SpillRun: Sendable, Equatable {
    var pieces: [Range<Int>] = []

    mutating func add(_ bytes: [UInt8], to file: any SpillFile) throws {
        guard !bytes.isEmpty else { return }
        let offset = try file.append(bytes)
        if let last = pieces.last, last.upperBound == offset {
            pieces[pieces.count - 1] = last.lowerBound..<(offset + bytes.count)
        } else {
            pieces.append(offset..<(offset + bytes.count))
        }
    }

    /// Appends `bytes` once they hold a piece's worth, and empties them: a run is written as it is
    /// encoded, never held whole (a batch's run is a few MB).
    mutating func addWhenFull(_ bytes: inout [UInt8], to file: any SpillFile) throws {
        guard bytes.count >= Self.pieceBytes else { return }
        try add(bytes, to: file)
        bytes.removeAll(keepingCapacity: true)
    }

    static let pieceBytes = 256 * 1024
}

/// Reads one run's records back in order, through a buffer of its own.
struct RunCursor {
    private let file: any SpillFile
    private let pieces: [Range<Int>]
    private var piece = 0
    private var nextOffset: Int
    private var buffer: [UInt8]
    private let bufferBytes: Int
    private var start = 0
    private var end = 0

    init(file: any SpillFile, run: SpillRun, bufferBytes: Int) {
        self.file = file
        pieces = run.pieces
        nextOffset = run.pieces.first?.lowerBound ?? 0
        self.bufferBytes = max(bufferBytes, SpillRecord.frameBytes)
        buffer = [UInt8](repeating: 0, count: self.bufferBytes)
    }

    /// The next record, decoded by `decode`, which must read all of it; nil after the last.
    mutating func next<Element>(_ decode: (inout SpillReader) throws -> Element) throws -> Element? {
        guard let count = try nextCount() else { return nil }
        let element = try withFields(count) { try SpillRecord.read($0, decode) }
        moveOn(count)
        return element
    }

    /// What `key` reads from the start of the next record's fields, without moving past it; nil
    /// after the last record.
    mutating func peek<Key>(_ key: (inout SpillReader) throws -> Key) throws -> Key? {
        guard let count = try nextCount() else { return nil }
        return try withFields(count) { fields in
            var reader = SpillReader(fields)
            return try key(&reader)
        }
    }

    /// Appends the next record as it is stored, its count included, to `out`, and moves past it;
    /// false after the last record.
    mutating func move(to out: inout [UInt8]) throws -> Bool {
        guard let count = try nextCount() else { return false }
        out.append(contentsOf: buffer[start..<(start + SpillRecord.frameBytes + count)])
        moveOn(count)
        return true
    }

    /// The byte count of the next record, which the buffer then holds whole from `start`; nil
    /// after the last.
    private mutating func nextCount() throws -> Int? {
        guard try fill(SpillRecord.frameBytes) else { return nil }
        let count = buffer.withUnsafeBytes {
            SpillRecord.frameCount(
                UnsafeRawBufferPointer(rebasing: $0[start..<(start + SpillRecord.frameBytes)]))
        }
        let total = SpillRecord.frameBytes + count
        // Checked before the buffer grows for it: a damaged count must not ask for gigabytes.
        guard piece < pieces.count, total <= end - start + pieces[piece].upperBound - nextOffset else {
            throw SpillError.damaged("a record is longer than the run")
        }
        guard try fill(total) else { throw SpillError.damaged("a record is cut short") }
        return count
    }

    /// The fields of the next record, `count` bytes, which `nextCount` has buffered.
    private func withFields<Result>(_ count: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows
        -> Result
    {
        let first = start + SpillRecord.frameBytes
        return try buffer.withUnsafeBytes {
            try body(UnsafeRawBufferPointer(rebasing: $0[first..<(first + count)]))
        }
    }

    private mutating func moveOn(_ count: Int) {
        start += SpillRecord.frameBytes + count
        // A long record (a cell near the record limit) grew the buffer; hundreds of cursors must
        // not each keep that much.
        if buffer.count > bufferBytes, end - start <= bufferBytes {
            buffer = Array(buffer[start..<end]) + [UInt8](repeating: 0, count: bufferBytes - (end - start))
            end -= start
            start = 0
        }
    }

    /// Makes the buffer hold at least `count` unread bytes; false when the run has ended before
    /// any of them. A record never spans two pieces, so bytes left over at a piece's end are damage.
    private mutating func fill(_ count: Int) throws -> Bool {
        while end - start < count {
            guard piece < pieces.count else {
                if end > start { throw SpillError.damaged("a run ends inside a record") }
                return false
            }
            let limit = pieces[piece].upperBound
            if nextOffset == limit {
                if end > start { throw SpillError.damaged("a piece ends inside a record") }
                piece += 1
                if piece < pieces.count { nextOffset = pieces[piece].lowerBound }
                continue
            }
            if start > 0 {
                buffer.withUnsafeMutableBytes { bytes in
                    guard let base = bytes.baseAddress else { return }
                    base.copyMemory(from: base + start, byteCount: end - start)
                }
                end -= start
                start = 0
            }
            if count > buffer.count { buffer += [UInt8](repeating: 0, count: count - buffer.count) }
            let wanted = min(buffer.count - end, limit - nextOffset)
            let read = try buffer.withUnsafeMutableBytes { bytes in
                try file.read(
                    at: nextOffset, into: UnsafeMutableRawBufferPointer(rebasing: bytes[end..<(end + wanted)])
                )
            }
            guard read > 0 else { throw SpillError.damaged("the file is shorter than its runs") }
            end += read
            nextOffset += read
        }
        return true
    }
}

/// The records of several sorted runs as one sorted sequence: a binary heap over each run's next
/// record, so each record costs about log₂(runs) comparisons. The heap compares keys kept apart
/// from the records: comparing the records themselves copied every field on every comparison.
struct RunMerge<Element, Key: Comparable> {
    private var cursors: [RunCursor]
    private var heads: [Element?]
    private var heap: RunHeap<Key>
    private let decode: (inout SpillReader) throws -> Element
    private let key: (Element) -> Key

    init(
        file: any SpillFile, runs: [SpillRun], bufferBytes: Int,
        decode: @escaping (inout SpillReader) throws -> Element, key: @escaping (Element) -> Key
    ) throws {
        self.decode = decode
        self.key = key
        cursors = runs.map { RunCursor(file: file, run: $0, bufferBytes: bufferBytes) }
        heads = []
        heads.reserveCapacity(cursors.count)
        heap = RunHeap(runs: cursors.count)
        for index in cursors.indices {
            let head = try cursors[index].next(decode)
            heads.append(head)
            heap.push(index, key: head.map(key))
        }
    }

    mutating func next() throws -> Element? {
        guard let top = heap.top, let element = heads[top] else { return nil }
        let head = try cursors[top].next(decode)
        heads[top] = head
        heap.replaceTop(key: head.map(key))
        return element
    }
}

/// The records of several runs in the order of a key each starts with, moved as they are stored
/// into the caller's buffer: the thread merging reads only the keys, and whoever takes the buffer
/// reads the records in place (`SpillRecord.forEachRecord(in:_:)`).
struct RecordMerge<Key: Comparable> {
    private var cursors: [RunCursor]
    private var heap: RunHeap<Key>
    private let key: (inout SpillReader) throws -> Key

    init(
        file: any SpillFile, runs: [SpillRun], bufferBytes: Int,
        key: @escaping (inout SpillReader) throws -> Key
    ) throws {
        self.key = key
        cursors = runs.map { RunCursor(file: file, run: $0, bufferBytes: bufferBytes) }
        heap = RunHeap(runs: cursors.count)
        for index in cursors.indices { heap.push(index, key: try cursors[index].peek(key)) }
    }

    /// Appends the next record to `out`; false after the last.
    mutating func move(to out: inout [UInt8]) throws -> Bool {
        guard let top = heap.top, try cursors[top].move(to: &out) else { return false }
        heap.replaceTop(key: try cursors[top].peek(key))
        return true
    }
}

/// The runs whose next records are smallest first, by the key of each run's next record.
struct RunHeap<Key: Comparable> {
    private var keys: [Key?]
    private var heap: [Int] = []

    init(runs: Int) {
        keys = [Key?](repeating: nil, count: runs)
        heap.reserveCapacity(runs)
    }

    /// The run whose next record comes first; nil once every run has ended.
    var top: Int? { heap.first }

    /// Adds `run`, whose next record has `key` (nil: the run is empty, and stays out).
    mutating func push(_ run: Int, key: Key?) {
        keys[run] = key
        guard key != nil else { return }
        heap.append(run)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The top run has moved on to a record with `key` (nil: it has ended).
    mutating func replaceTop(key: Key?) {
        guard let top else { return }
        keys[top] = key
        if key == nil {
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
        }
        if !heap.isEmpty { siftDown(0) }
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        guard let left = keys[a], let right = keys[b] else { return false }
        return left < right
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, less(heap[left + 1], heap[left]) { smallest = left + 1 }
            guard less(heap[smallest], heap[parent]) else { return }
            heap.swapAt(smallest, parent)
            parent = smallest
        }
    }
}

/// A row's place in a sorted import: its email, then its line.
///
/// The email's first sixteen bytes are kept as two big-endian integers, compared before the
/// email itself: a batch's emails nearly always differ there, and two string comparisons (equal,
/// then less) for each of a sort's comparisons were nearly half the time spent spilling a batch.
struct EmailOrderKey: Comparable {
    private var head: UInt64
    private var next: UInt64
    var email: String
    var line: Int

    init(_ row: UserRow) {
        email = row.email
        line = row.line
        (head, next) = Self.leadingWords(of: row.email)
    }

    /// The key of a valid record; nil for another.
    init?(valid parsed: borrowing ParsedRow) {
        switch parsed {
        case .valid(let row): self.init(row)
        case .invalid: return nil
        }
    }

    static func < (a: EmailOrderKey, b: EmailOrderKey) -> Bool {
        if a.head != b.head { return a.head < b.head }
        if a.next != b.next { return a.next < b.next }
        return a.email == b.email ? a.line < b.line : RowBatch.emailOrder(a.email, b.email)
    }

    /// The first sixteen bytes of the UTF-8 text, zero-padded, so that the words compare in the
    /// text's byte order: `RowBatch.emailOrder` for a valid email, which is ASCII (where string
    /// order is byte order); when they tie, the text decides.
    static func leadingWords(of text: String) -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        var count = 0
        for byte in text.utf8.prefix(16) {
            let shift = UInt64(56 - 8 * (count % 8))
            if count < 8 { words.0 |= UInt64(byte) << shift } else { words.1 |= UInt64(byte) << shift }
            count += 1
        }
        return words
    }
}
