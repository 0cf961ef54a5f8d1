import CLinux
import Glibc
import UserImportCore
import UserImportStore

/// `make bench`: the real pipeline (`userimportd --once`, a running `userimportd`) on generated
/// data, against two floors measured in the same run. Prints a table and writes JSON.
@main
struct BenchMain {
    static func main() {
        do {
            let arguments = CommandLine.arguments
            // `--generate COUNT PATH`: only write a data file (for profiling one import by hand).
            if let index = arguments.firstIndex(of: "--generate"), index + 2 < arguments.count,
                let count = Int(arguments[index + 1])
            {
                var data = BenchData(seed: 42)
                try data.writeFile(path: arguments[index + 2], count: count, status: { _ in "New" })
                return
            }
            if let index = arguments.firstIndex(of: "--parse-only"), index + 1 < arguments.count {
                try ParseOnly.run(path: arguments[index + 1])
                return
            }
            try Bench().run()
        } catch {
            print("bench failed: \(error)")
            exit(1)
        }
    }
}

final class Bench {
    var results: [(String, String)] = []

    func record(_ name: String, _ value: String) {
        results.append((name, value))
        print(name.padding(toLength: 58, withPad: " ", startingAt: 0) + value)
    }

    func run() throws {
        let quick = CommandLine.arguments.contains("--quick")
        let binDir = String(
            CommandLine.arguments[0].split(separator: "/", omittingEmptySubsequences: false).dropLast()
                .joined(separator: "/"))
        let daemon = (binDir.isEmpty ? "." : binDir) + "/userimportd"
        let root = "/var/tmp/userimport-bench-\(getpid())"
        mkdir(root, 0o755)
        defer { _ = system("rm -rf '\(root)'") }
        var data = BenchData(seed: 42)
        let runs = quick ? 1 : 3
        print("userimport-bench: \(quick ? "quick" : "full") run, \(runs) runs each, in \(root)\n")
        if CommandLine.arguments.contains("--postgres-only") {
            let count = quick ? 100_000 : 1_000_000
            let file = root + "/new-\(count).csv"
            try data.writeFile(path: file, count: count, status: { _ in "New" })
            try PostgresBench(bench: self).run(file: file, count: count, runs: runs)
            try writeResults()
            return
        }
        // `--daemon-only`: a running daemon's latency and burst alone, about half a minute.
        if CommandLine.arguments.contains("--daemon-only") {
            try daemonLatency(
                daemon, root: root, data: &data, files: quick ? 30 : 100, burst: quick ? 300 : 2000)
            try writeResults()
            return
        }
        if CommandLine.arguments.contains("--scale-only") {
            try scale(binDir: binDir, root: root, quick: quick)
            try writeResults()
            return
        }

        // `--bulk-only`: the bulk targets alone (1M against its floors, then 10M), a few minutes.
        let bulkOnly = CommandLine.arguments.contains("--bulk-only")

        // 1 + 3: bulk New into an empty directory, against the floors.
        var bulkState: [Int: String] = [:]
        var bulkSeconds: [Int: Double] = [:]
        for count in bulkOnly ? [1_000_000] : quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000] {
            let file = root + "/new-\(count).csv"
            try data.writeFile(path: file, count: count, status: { _ in "New" })
            var ours: [Double] = []
            var rss: [Double] = []
            // Two runs of the million-row file keep the whole benchmark under ten minutes.
            let repeats = count >= 1_000_000 ? min(runs, 2) : runs
            for run in 0..<repeats {
                let state = root + "/bulk-\(count)-\(run)"
                let result = try importOnce(daemon, file: file, state: state)
                ours.append(result.seconds)
                rss.append(result.peakRSSMegabytes)
                bulkState[count] = state
            }
            var sqlite: [Double] = []
            var insert: [Double] = []
            for run in 0..<repeats {
                sqlite.append(
                    try Floors.sqliteImport(
                        file: file, database: root + "/floor-\(count)-\(run).db", scratch: root))
                insert.append(
                    try Floors.preparedInsert(file: file, database: root + "/insert-\(count)-\(run).db"))
            }
            let o = Measure.Summary(ours)
            bulkSeconds[count] = o.median
            let s = Measure.Summary(sqlite)
            let i = Measure.Summary(insert)
            record(
                "bulk \(count) New: userimportd --once",
                seconds(o) + String(format: "  %.0f rows/s", Double(count) / o.median))
            record("bulk \(count) New: peak RSS", String(format: "%.1f MB", Measure.Summary(rss).max))
            record("bulk \(count) floor: sqlite3 .import (UNIQUE NOCASE)", seconds(s))
            record("bulk \(count) floor: prepared INSERT, one transaction", seconds(i))
            record(
                "bulk \(count) ratio: ours / sqlite3 .import",
                String(
                    format: "%.2f× (targets: ≤ 1.0× with previous values stored, ≤ 0.75×)",
                    o.median / s.median))
            record(
                "bulk \(count) ratio: ours / prepared INSERT", String(format: "%.2f×", o.median / i.median))
        }
        let large = quick ? 100_000 : 1_000_000

        // 2: re-import into a directory that holds the users already.
        if !bulkOnly, let populated = bulkState[large] {
            let updates = root + "/update-\(large).csv"
            try data.writeFile(path: updates, count: large, status: { _ in "Update" })
            let more = root + "/more-new.csv"
            try data.writeFile(path: more, count: large / 10, status: { _ in "New" }, emailOffset: 10 * large)
            // The undo of that re-import (import 2): every user gets its previous values back.
            let undoRequest = root + "/undo-2.request"
            close(open(undoRequest, O_WRONLY | O_CREAT | O_TRUNC, 0o644))
            var updateTimes: [Double] = []
            var moreTimes: [Double] = []
            var undoRuns: [Measure.Run] = []
            var duplicateTimes: [Double] = []
            for run in 0..<min(runs, 2) {
                // The same file dropped again: recognised by its hash before a row is read.
                let again = root + "/again-\(run)"
                try copyState(from: populated, to: again)
                duplicateTimes.append(
                    try importOnce(daemon, file: root + "/new-\(large).csv", state: again).seconds)
                let state = root + "/reimport-\(run)"
                try copyState(from: populated, to: state)
                updateTimes.append(try importOnce(daemon, file: updates, state: state).seconds)
                undoRuns.append(try importOnce(daemon, file: undoRequest, state: state))
                let state2 = root + "/more-\(run)"
                try copyState(from: populated, to: state2)
                moreTimes.append(try importOnce(daemon, file: more, state: state2).seconds)
            }
            let duplicate = Measure.Summary(duplicateTimes)
            record("re-drop of the \(large) New file (a duplicate)", seconds(duplicate))
            if let imported = bulkSeconds[large] {
                record(
                    "re-drop ratio: duplicate / its import",
                    String(format: "%.1f %% (target ≤ 5 %%)", 100 * duplicate.median / imported))
            }
            record("re-import \(large) Update into \(large) users", seconds(Measure.Summary(updateTimes)))
            record("import \(large / 10) New into \(large) users", seconds(Measure.Summary(moreTimes)))
            record("undo of the \(large) Update", seconds(Measure.Summary(undoRuns.map(\.seconds))))
            record(
                "undo of the \(large) Update: peak RSS",
                String(format: "%.1f MB", undoRuns.map(\.peakRSSMegabytes).max() ?? 0))
        }

        // 4: a running daemon: drop→report latency, and a burst of small files.
        if !bulkOnly {
            try daemonLatency(
                daemon, root: root, data: &data, files: quick ? 30 : 100, burst: quick ? 300 : 2000)
        }

        // 5: time and memory grow no faster than the file. The ratio is taken in pairs, each 10M
        // import beside a 1M one: this machine's speed drifts by a fifth within minutes, and one
        // 10M import against 1M imports minutes older measured the drift as often as the import.
        if !quick {
            let huge = root + "/new-10000000.csv"
            let million = root + "/new-1000000.csv"
            try data.writeFile(path: huge, count: 10_000_000, status: { _ in "New" })
            if access(million, R_OK) != 0 {
                try data.writeFile(path: million, count: 1_000_000, status: { _ in "New" })
            }
            var seconds: [Double] = []
            var rss: [Double] = []
            var ratios: [Double] = []
            for pair in 0..<3 {
                let large = try importOnce(daemon, file: huge, state: root + "/huge-\(pair)")
                // Each state holds a 3.7 GB database: one at a time.
                _ = system("rm -rf '\(root)/huge-\(pair)'")
                let small = try importOnce(daemon, file: million, state: root + "/pair-\(pair)")
                _ = system("rm -rf '\(root)/pair-\(pair)'")
                seconds.append(large.seconds)
                rss.append(large.peakRSSMegabytes)
                ratios.append(large.seconds / small.seconds)
            }
            unlink(huge)
            let list = { (values: [Double], format: String) in
                values.map { String(format: format, $0) }.joined(separator: ", ")
            }
            record(
                "bulk 10000000 New: seconds",
                String(format: "%.1f s median", Measure.Summary(seconds).median)
                    + " (\(list(seconds, "%.1f s")))")
            record(
                "bulk 10000000 New: peak RSS",
                String(format: "%.1f MB (target ≤ 64 MB)", Measure.Summary(rss).max))
            record(
                "bulk ratio: 10000000 New / 1000000 New",
                String(format: "%.1f× median of 3 pairs", Measure.Summary(ratios).median)
                    + " (\(list(ratios, "%.1f×")); linear: 10×; target ≤ 12×)")
        }

        guard !bulkOnly else { return try writeResults() }
        // 6: the directory on PostgreSQL against the server's own bulk load.
        try PostgresBench(bench: self).run(
            file: root + "/new-\(large).csv", count: large, runs: min(runs, 2))

        // 7: the questions on years of history.
        try scale(binDir: binDir, root: root, quick: quick)
        try writeResults()
    }

    func scale(binDir: String, root: String, quick: Bool) throws {
        let schemaVersion = Int(try ImportDatabase(path: root + "/schema.sqlite").schemaVersion)
        let large =
            quick
            ? ScaleDatabase(users: 1_000_000, dailyImports: 400, rowsPerDaily: 10_000)
            : ScaleDatabase(users: 10_000_000, dailyImports: 4_000, rowsPerDaily: 10_000)
        try ScaleBench(
            bench: self, ctl: (binDir.isEmpty ? "." : binDir) + "/userimportctl",
            fresh: ScaleDatabase(users: 1_000, dailyImports: 4, rowsPerDaily: 100), large: large
        ).run(schemaVersion: schemaVersion)
    }

    func writeResults() throws {
        var json = "{\n"
        json += results.map { "  \"\($0.0)\": \"\($0.1)\"" }.joined(separator: ",\n")
        json += "\n}\n"
        let out = "bench-results.json"
        let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = json.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        print("\nwrote \(out)")
    }

    func seconds(_ s: Measure.Summary) -> String {
        String(format: "%.3f s (%.3f–%.3f)", s.median, s.min, s.max)
    }

    func importOnce(_ daemon: String, file: String, state: String) throws -> Measure.Run {
        mkdir(state, 0o755)
        mkdir(state + "/inbox", 0o755)
        let name = (file.split(separator: "/").last.map(String.init) ?? "file.csv")
        guard
            system(
                "cp '\(file)' '\(state)/inbox/.\(name)' && mv '\(state)/inbox/.\(name)' '\(state)/inbox/\(name)'"
            ) == 0
        else { throw BenchError("cannot copy \(file)") }
        let run = try Measure.spawn(daemon, ["--state-dir", state, "--once"])
        guard run.status == 0 else { throw BenchError("userimportd --once exited \(run.status)") }
        return run
    }

    func copyState(from source: String, to target: String) throws {
        guard system("mkdir -p '\(target)' && cp '\(source)/userimportd.sqlite' '\(target)/'") == 0 else {
            throw BenchError("cannot copy state")
        }
    }

    func daemonLatency(_ daemon: String, root: String, data: inout BenchData, files: Int, burst: Int) throws {
        let state = root + "/daemon"
        for folder in ["", "/inbox", "/done"] { mkdir(state + folder, 0o755) }
        let config = root + "/daemon.conf"
        let text = "[Mail]\nTransport=none\n"
        let fd = open(config, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let watch = inotify_init1(Int32(IN_CLOEXEC))
        _ = inotify_add_watch(watch, state + "/done", UInt32(IN_MOVED_TO))
        var pid: pid_t = 0
        let words: [String] = [daemon, "--state-dir", state, "--config", config]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        guard posix_spawn(&pid, daemon, &actions, nil, argv, environ) == 0 else {
            throw BenchError("cannot start daemon")
        }
        defer {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            close(watch)
        }
        usleep(500_000)  // start-up, not measured
        let staging = root + "/staging"
        mkdir(staging, 0o755)
        var latencies: [Double] = []
        for index in 0..<files {
            let name = "ten-\(index).csv"
            try data.writeFile(
                path: staging + "/" + name, count: 10, status: { _ in "New" },
                emailOffset: 100_000_000 + index * 10, invalidEveryHundred: false)
            let start = Measure.now()
            rename(staging + "/" + name, state + "/inbox/" + name)
            try waitForPublished([name], watch: watch)
            latencies.append(Measure.now() - start)
        }
        record(
            "daemon: 10-row file drop→report p50",
            String(format: "%.1f ms", Measure.percentile(latencies, 0.5) * 1000))
        record(
            "daemon: 10-row file drop→report p99",
            String(format: "%.1f ms", Measure.percentile(latencies, 0.99) * 1000))
        var names: [String] = []
        for index in 0..<burst {
            let name = "burst-\(index).csv"
            try data.writeFile(
                path: staging + "/" + name, count: 1, status: { _ in "New" },
                emailOffset: 200_000_000 + index, invalidEveryHundred: false)
            names.append(name)
        }
        let start = Measure.now()
        for name in names { rename(staging + "/" + name, state + "/inbox/" + name) }
        try waitForPublished(names, watch: watch)
        let elapsed = Measure.now() - start
        record(
            "daemon: \(burst) small files at once",
            String(format: "%.2f s, %.0f files/s", elapsed, Double(burst) / elapsed))
    }

    /// Waits for the data files (moved into done/ after their reports) to arrive.
    func waitForPublished(_ names: [String], watch: Int32) throws {
        var waiting = Set(names)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let deadline = Measure.now() + 600
        while !waiting.isEmpty {
            guard Measure.now() < deadline else {
                throw BenchError("timed out waiting for \(waiting.count) files")
            }
            let count = buffer.withUnsafeMutableBytes { read(watch, $0.baseAddress, $0.count) }
            guard count > 0 else { continue }
            var offset = 0
            while offset + 16 <= count {
                let length = Int(
                    buffer[(offset + 12)..<(offset + 16)].withUnsafeBytes {
                        $0.loadUnaligned(as: UInt32.self)
                    })
                let nameBytes = buffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                waiting.remove(String(decoding: nameBytes, as: UTF8.self))
                offset += 16 + length
            }
        }
    }
}
