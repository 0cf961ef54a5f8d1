/// `userimportctl --state-dir DIR history` as well as `userimportctl history --state-dir DIR`, as
/// `git -C` and `journalctl -D` allow: the options every subcommand shares may stand before it.
enum GlobalOptions {
    static let withValue: Set<String> = ["--config", "--state-dir"]

    /// The arguments with the shared options that precede the subcommand moved after its name,
    /// where the argument parser reads them.
    static func reordered(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if withValue.contains(argument), index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else if let equals = argument.firstIndex(of: "="),
                withValue.contains(String(argument[..<equals]))
            {
                leading.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count, !arguments[index].hasPrefix("-") else {
            return arguments
        }
        return [arguments[index]] + leading + arguments[(index + 1)...]
    }
}
