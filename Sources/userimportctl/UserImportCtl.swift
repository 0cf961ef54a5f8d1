import ArgumentParser
import Glibc

/// The administrator's tool. Exit codes (SPEC §1): 0 ok, 1 what was asked about failed, 2 usage.
@main
struct UserImportCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "userimportctl",
        abstract: "Inspect and drive userimportd: history, reports, dry runs.",
        subcommands: [ValidateCommand.self, HistoryCommand.self, ReportCommand.self])

    static func main() {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let succeeded = exitCode(for: error) == .success  // --help, --version
            if succeeded {
                Output.write(fullMessage(for: error) + "\n")
            } else {
                Output.error(fullMessage(for: error))
            }
            Glibc.exit(succeeded ? 0 : 2)
        }
        do {
            try command.run()
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            Output.error("\(error)")
            Glibc.exit(1)
        }
    }
}

/// A failure while running a well-formed command (exit 1), with the message for stderr.
struct CommandError: Error, CustomStringConvertible {
    let description: String
}
