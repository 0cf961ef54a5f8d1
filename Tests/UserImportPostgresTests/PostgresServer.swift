import PostgresScratch

/// The tests' server: one per test process, started on first use (fsync off: the tests do not
/// check power loss).
enum PostgresServer {
    static let shared = Result { try PostgresScratchServer(durable: false) }
}
