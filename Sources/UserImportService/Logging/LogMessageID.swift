/// Fixed journal MESSAGE_IDs for the events an administrator filters on
/// (`journalctl MESSAGE_ID=…`). Generated once with `systemd-id128 new`; never change them.
public enum LogMessageID {
    public static let importDone = "5b3c0f2a8e6d4c1f9a7b2e4d6c8a0f13"
    public static let importFailed = "c2e81d4b7a9f4e03b6d5a1c9e7f20b48"
    public static let importDuplicate = "9f4a6e2c1b8d4f70a3e5c7b9d1f3a5c2"
    /// A file the mass-change guard held (a warning: someone must release or reject it).
    public static let importHeld = "7e2dc18c106f4114b6a5c067e7379483"
    /// A held file released or rejected by a person.
    public static let heldDecided = "15aff4b1d38d498e89184cfbae0cd5d3"
    public static let daemonStarted = "1e7c3a5b9d2f4e68b0a4c6e8f1d3b5a7"
    public static let daemonStopping = "7d9b1f3e5a2c4b86a8e0c2d4f6b8a1e3"
}
