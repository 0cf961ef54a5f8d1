import Foundation

/// Reads the configuration file and its drop-ins (`<file>.d/*.conf`, in name order), as systemd
/// reads journald.conf.
public enum ConfigLoader {
    public static let defaultPath = "/etc/userimportd/userimportd.conf"

    /// - Parameters:
    ///   - path: the file; when it is the default and missing, the built-in defaults are used.
    ///   - stateDirectory: `--state-dir`, which overrides every path.
    public static func load(path: String?, stateDirectory: String?) throws -> Configuration {
        var configuration = Configuration()
        let file = path ?? defaultPath
        if FileManager.default.fileExists(atPath: file) {
            try apply(file, to: &configuration)
            let dropIns = file + ".d"
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dropIns)) ?? [])
                .filter { $0.hasSuffix(".conf") }.sorted()
            for name in names { try apply(dropIns + "/" + name, to: &configuration) }
        } else if path != nil {
            throw ConfigError(file: file, message: "no such file")
        }
        if let stateDirectory {
            let mail = configuration.mail.maildir
            configuration.paths = StatePaths(stateDirectory: stateDirectory)
            configuration.mail.maildir = mail
        }
        return configuration
    }

    private static func apply(_ file: String, to configuration: inout Configuration) throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(
                file: file, message: "cannot be read as UTF-8 text (\(error.localizedDescription))")
        }
        try ConfigParser.apply(text, file: file, to: &configuration)
    }
}
