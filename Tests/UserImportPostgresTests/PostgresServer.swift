import PostgresScratch

/// The tests' server, shared with the daemon's tests in the same test process.
enum PostgresServer {
    static var shared: Result<PostgresScratchServer, any Error> { PostgresScratchServer.forTests }
}
