/// A broken invariant: prints what broke and traps, so libFuzzer saves the input as a crash.
enum FuzzCheck {
    static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
        line: UInt = #line
    ) {
        if !condition() {
            print("invariant broken (ImportFuzzer line \(line)): \(message())")
            fatalError("invariant broken: \(message())")
        }
    }
}
