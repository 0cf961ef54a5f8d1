import Glibc

/// The questions an administrator asks, on a fresh database and on years of history (ten million
/// users, fifty million row results), through the built `userimportctl`: each must answer within
/// a few times its fresh time. Printed, never asserted.
struct ScaleBench {
    let bench: Bench
    let ctl: String
    let fresh: ScaleDatabase
    let large: ScaleDatabase
    let runs = 5

    func run(schemaVersion: Int) throws {
        let t0 = Measure.now()
        let freshState = try fresh.stateDirectory(schemaVersion: schemaVersion)
        let largeState = try large.stateDirectory(schemaVersion: schemaVersion)
        bench.record(
            "scale: databases ready (generated or reused)", String(format: "%.1f s", Measure.now() - t0))
        let label = "\(Self.short(large.users)) users/\(Self.short(large.rowResults)) rows"
        bench.record("scale: large database", label + String(format: ", %.1f GB", gigabytes(largeState)))
        for question in questions() {
            let freshTime = try median(question.arguments(fresh), state: freshState)
            let largeTime = try median(question.arguments(large), state: largeState)
            bench.record(
                "scale: \(question.name)",
                String(
                    format: "fresh %.3f s, %@ %.3f s, %.1f×", freshTime, label, largeTime,
                    largeTime / max(freshTime, 1e-6)))
        }
    }

    struct Question {
        var name: String
        var arguments: (ScaleDatabase) -> [String]
    }

    /// A user named by the first import and by some of the daily ones; a search for ten users by
    /// part of their address; a search most users match (counted up to its limit); the history's
    /// first page; the first page of the largest report.
    func questions() -> [Question] {
        let someone = { (database: ScaleDatabase) in ScaleDatabase.email(database.users * 7 / 13) }
        return [
            Question(name: "user EMAIL") { ["user", someone($0)] },
            Question(name: "users --search (10 users match)") {
                ["users", "--search", String(someone($0).prefix(8))]
            },
            Question(name: "users --search (most users match)") { _ in ["users", "--search", "scale.example"]
            },
            Question(name: "history (first page)") { _ in ["history"] },
            Question(name: "report of the first import (first 50 rows)") { _ in
                ["report", "1", "--limit", "50"]
            },
        ]
    }

    /// The median of `runs` timed runs after one untimed (the page cache warm, as on a server
    /// that answers questions all day).
    func median(_ arguments: [String], state: String) throws -> Double {
        var times: [Double] = []
        for attempt in 0...runs {
            let run = try Measure.spawn(ctl, ["--state-dir", state] + arguments)
            guard run.status == 0 else {
                throw BenchError("userimportctl \(arguments.joined(separator: " ")) exited \(run.status)")
            }
            if attempt > 0 { times.append(run.seconds) }
        }
        return Measure.Summary(times).median
    }

    func gigabytes(_ state: String) -> Double {
        var info = stat()
        guard stat(state + "/userimportd.sqlite", &info) == 0 else { return 0 }
        return Double(info.st_size) / 1e9
    }

    static func short(_ count: Int) -> String {
        count >= 1_000_000 && count % 1_000_000 == 0 ? "\(count / 1_000_000)M" : "\(count)"
    }
}
