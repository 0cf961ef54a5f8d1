import Glibc

/// Runs a built program as a child of its own and reports the child's peak resident size, as the
/// kernel counted it for that one process. The test process's own peak is no measure: the other
/// suites run in parallel and grow it too.
enum ChildPeakMemory {
    struct Result {
        var status: Int32
        var peakBytes: Int
    }

    static func run(_ program: BuiltProgram, _ arguments: [String]) throws -> Result {
        let argv = ([program.path] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program.path, &actions, nil, argv + [nil], environ)
        guard spawned == 0 else { throw TestFailure("cannot start \(program.path): errno \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw TestFailure("wait4 failed: errno \(errno)") }
        }
        // ru_maxrss is in kilobytes on Linux.
        let exited = (status & 0x7f) == 0
        return Result(status: exited ? (status >> 8) & 0xff : -1, peakBytes: usage.ru_maxrss * 1024)
    }
}
