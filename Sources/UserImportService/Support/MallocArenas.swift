import CLinux

/// The daemon's memory bound holds for large files only with few malloc arenas.
public enum MallocArenas {
    /// Two arenas, not one for each thread that ever allocated (glibc's default allows eight per
    /// core): an import's two threads hop between Dispatch's worker threads, and every arena kept
    /// its own freed memory; a ten-million-row import peaked 6 to 8 MB higher.
    public static func limit() {
        userimport_limit_malloc_arenas(2)
    }
}
