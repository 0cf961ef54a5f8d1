import Foundation
import ServiceLifecycle

/// Runs a blocking loop on a thread of its own and waits for it without blocking the cooperative
/// pool. It is the one way the daemon runs blocking work: imports and deliveries block for seconds
/// in SQLite, file reads and sendmail, and the pool has only as many threads as cores, so work run
/// on it would hold up signals and the watchdog. One helper also means one way to stop: a graceful
/// shutdown runs `onShutdown` and asks the loop to stop through its `WorkerSignal`, and so does
/// cancellation (the group ending because another service ended it).
func runOnOwnThread(
    _ signal: WorkerSignal, onShutdown: @escaping @Sendable () -> Void = {},
    body: @escaping @Sendable () throws -> Void
) async throws {
    try await withGracefulShutdownHandler {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                Thread.detachNewThread {
                    do {
                        try body()
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        } onCancel: {
            signal.requestStop()
        }
    } onGracefulShutdown: {
        onShutdown()
        signal.requestStop()
    }
}
