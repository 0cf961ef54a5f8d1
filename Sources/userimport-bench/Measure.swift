import Glibc

/// Runs a program and measures it: wall time and the child's peak resident set.
enum Measure {
    struct Run {
        var seconds: Double
        var peakRSSMegabytes: Double
        var status: Int32
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func spawn(_ path: String, _ arguments: [String], stdin: String? = nil) throws -> Run {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin { posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The bench has just written (and copied) the input: the kernel's writeback of it is not
        // the command's cost, and would otherwise run during it (1.7 GB for the 10M-row file).
        sync()
        var pid: pid_t = 0
        let start = now()
        let code = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard code == 0 else { throw BenchError("cannot run \(path): \(String(cString: strerror(code)))") }
        // Peak RSS is the child's VmHWM, read while it runs. wait4's ru_maxrss cannot be used:
        // posix_spawn's vfork shares our memory until exec, and the kernel folds our own peak into
        // the child's (so a bench that had parsed a million rows "measured" 350 MB children).
        var status: Int32 = 0
        var peakKiB = 0
        var usage = rusage()
        while true {
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR {
                throw BenchError("wait4: \(String(cString: strerror(errno)))")
            }
            peakKiB = max(peakKiB, highWaterMarkKiB(pid))
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&pause, nil)
        }
        let seconds = now() - start
        // A ru_maxrss above our own peak can only be the child's, and is exact (polling misses
        // the last millisecond).
        var own = rusage()
        getrusage(RUSAGE_SELF.rawValue, &own)
        if usage.ru_maxrss > own.ru_maxrss { peakKiB = max(peakKiB, usage.ru_maxrss) }
        return Run(seconds: seconds, peakRSSMegabytes: Double(peakKiB) / 1024, status: status)
    }

    /// `VmHWM` of a running process, in KiB (0 once it has exited).
    static func highWaterMarkKiB(_ pid: pid_t) -> Int {
        guard let file = fopen("/proc/\(pid)/status", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmHWM:") {
                // "VmHWM:\t   38916 kB"
                return Int(text.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
                    ?? 0
            }
        }
        return 0
    }

    /// Median, min and max of several runs.
    struct Summary {
        var median: Double
        var min: Double
        var max: Double

        init(_ values: [Double]) {
            let sorted = values.sorted()
            median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            min = sorted.first ?? 0
            max = sorted.last ?? 0
        }
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
}
