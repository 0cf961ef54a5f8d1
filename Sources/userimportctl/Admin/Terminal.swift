import CLinux
import Glibc

/// How wide listings may be: `$COLUMNS`, else the terminal's width, else unlimited (a pipe).
enum Terminal {
    static var width: Int {
        if let columns = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), columns > 0 {
            return columns
        }
        let width = Int(userimport_terminal_width(1))
        return width > 0 ? width : Int.max / 2
    }
}
