import Foundation
import Glibc
import UserImportCore

/// Where messages go: a Maildir, the local MTA's sendmail, or nowhere.
protocol MailTransport {
    /// Delivers or throws; a throw means "try again later".
    func deliver(_ message: MailMessage, outboxID: Int64) throws
}

struct MailDeliveryError: Error, CustomStringConvertible {
    let description: String
}

/// Writes each message atomically into a Maildir (`tmp/`, fsync, then `new/`). The file name is
/// derived from the outbox id, so a retry after a crash finds the message already delivered
/// instead of delivering it twice.
struct MaildirTransport: MailTransport {
    let tmp: Folder
    let new: Folder
    let cur: Folder

    init(path: String) throws {
        try ImportPipeline.makeDirectories(path)
        tmp = try Folder(path: path + "/tmp", create: 0o700)
        new = try Folder(path: path + "/new", create: 0o700)
        cur = try Folder(path: path + "/cur", create: 0o700)
    }

    func deliver(_ message: MailMessage, outboxID: Int64) throws {
        let name = FileName("outbox-\(outboxID).userimportd")
        let alreadyRead = (try? cur.entries().contains { $0.name.bytes.starts(with: name.bytes) }) ?? false
        if new.exists(name) || alreadyRead { return }
        let fd = try tmp.create(name, mode: 0o600)
        var writer = FileWriter(fd: fd, name: name.display)
        writer.write(message.text)
        do {
            try writer.finish()
            close(fd)
        } catch {
            close(fd)
            try? tmp.remove(name)
            throw error
        }
        do {
            try tmp.move(name, to: new, as: name, replace: false)
        } catch let error as SystemError where error.code == EEXIST {
            try tmp.remove(name)
        }
        try new.sync()
    }
}

/// Pipes the message to `sendmail -t -i` (the Unix convention); its exit status decides.
struct SendmailTransport: MailTransport {
    let path: String
    let timeoutSeconds: Double = 60

    func deliver(_ message: MailMessage, outboxID: Int64) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-t", "-i"]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw MailDeliveryError(description: "cannot run \(path): \(error.localizedDescription)")
        }
        // A sendmail that exits without reading must not kill us: SIGPIPE is ignored (once, at
        // start-up), and the throwing write reports EPIPE; the exit status then says what happened.
        try? input.fileHandleForWriting.write(contentsOf: Data(message.text.utf8))
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw MailDeliveryError(description: "\(path) did not finish within \(Int(timeoutSeconds)) s")
        }
        // Returns at once (the child has exited), but only this lets Foundation release the
        // Process: polling isRunning alone leaks it, about 2 KB per message (LeakSanitizer).
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let stderr = String(
                decoding: errors.fileHandleForReading.availableData.prefix(500), as: UTF8.self)
            throw MailDeliveryError(
                description: "\(path) exited with status \(process.terminationStatus): "
                    + stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
