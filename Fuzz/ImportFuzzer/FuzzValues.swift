import UserImportCore

/// The smaller pure functions that see outside data, on the input as one value.
enum FuzzValues {
    static func check(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let key = EmailAddress.key(for: text) {
            FuzzCheck.require(key.utf8.count <= 254, "an email key of \(key.utf8.count) bytes")
            FuzzCheck.require(key.utf8.allSatisfy { $0 < 0x80 && !(0x41...0x5A).contains($0) }, "key \(key)")
            FuzzCheck.require(EmailAddress.key(for: key) == key, "the key of key \(key) differs")
        }
        let safe = SpreadsheetSafe.text(text)
        FuzzCheck.require(
            safe.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F },
            "SpreadsheetSafe left a control character")
        let name = FileName(bytes: Array(bytes.prefix(255)))
        _ = name.kind
        _ = name.display
        for attempt in 0..<3 {
            let published = name.publishedName(importID: 123_456_789, attempt: attempt)
            FuzzCheck.require(
                published.reportName.bytes.count <= 255,
                "a report name of \(published.reportName.bytes.count) bytes")
        }
        var header = CSVParser(maxRecordBytes: 1 << 16)
        Array(text.utf8).withUnsafeBytes { utf8 in
            try? header.parse(utf8) { record in
                _ = HeaderMap.read(record)
                _ = try? HeaderMap(header: record)
            }
        }
    }
}
