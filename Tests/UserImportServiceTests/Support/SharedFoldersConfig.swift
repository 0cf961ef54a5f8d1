/// One daemon's configuration among several on one PostgreSQL that share done/, failed/ and held/
/// (`shared`'s) and whose work folders may be taken over after 1 s: its inbox, and its own work
/// folder, state lock and Maildir (`own`'s). `extra` is appended ([Guard], [Mail] keys).
func sharedFoldersConfig(
    inbox: String, own: TestStateDirectory, shared: TestStateDirectory, url: String, extra: String = ""
) -> String {
    """
    [Paths]
    Inbox=\(inbox)
    Done=\(shared.paths.done)
    Failed=\(shared.paths.failed)
    Held=\(shared.paths.held)
    Work=\(own.paths.work)
    Database=\(own.paths.database)
    [Database]
    Backend=postgresql
    URL=\(url)
    TakeoverAfter=1s
    [Import]
    SettleTime=0ms
    RescanInterval=1s
    [Mail]
    Maildir=\(own.root)/mail

    """ + extra
}
