import Glibc

/// Small path-based helpers for the command-line tools.
public enum FileSystem {
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}
