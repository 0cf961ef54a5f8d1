import Foundation

/// Runs one of the package's built executables, found beside the test bundle (`swift build
/// --build-tests` builds them into the same folder).
struct BuiltProgram {
    let name: String

    static let userimportd = BuiltProgram(name: "userimportd")
    static let userimportctl = BuiltProgram(name: "userimportctl")

    var path: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // The test runner may sit inside an .xctest bundle folder.
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path),
            folder.path != "/"
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent(name).path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs as another user (setpriv from util-linux), without supplementary groups.
    func runAs(uid: UInt32, _ arguments: [String]) throws -> Result {
        try run(
            ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", path] + arguments, environment: [:],
            executable: "/usr/bin/setpriv")
    }

    func run(
        _ arguments: [String], environment: [String: String] = [:], executable: String? = nil,
        standardInput: Data? = nil
    ) throws
        -> Result
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = standardInput.map { _ in Pipe() }
        if let input { process.standardInput = input }
        try process.run()
        if let input, let standardInput {
            // Written from a thread of its own: a child that prints before it reads cannot block us.
            let writer = input.fileHandleForWriting
            Thread.detachNewThread {
                writer.write(standardInput)
                try? writer.close()
            }
        }
        // Read both pipes to the end before waiting, so a large output cannot block the child.
        let errData = ReadAll(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.wait(), as: UTF8.self))
    }
}

/// Reads a pipe to its end on a background thread.
final class ReadAll: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
