import Glibc
import UserImportService

/// stdout/stderr without Foundation's global handles (Swift 6 strict concurrency).
enum Output {
    static func write(_ text: String) {
        writeAll(1, text)
    }

    static func error(_ text: String) {
        writeAll(2, "userimportctl: " + text + (text.hasSuffix("\n") ? "" : "\n"))
    }

    private static func writeAll(_ fd: Int32, _ text: String) {
        UserImportService.writeAll(fd, Array(text.utf8))
    }
}

/// Buffers a long output (a million-row report) and writes it in large pieces.
struct StandardOutput: TextOutputStream {
    private var buffer = ""

    mutating func write(_ string: String) {
        buffer += string
        if buffer.utf8.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        Output.write(buffer)
        buffer = ""
    }
}
