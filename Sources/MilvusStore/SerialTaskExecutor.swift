// SerialTaskExecutor: a task executor on one dispatch queue, so the client's async work never needs the threads a blocking caller holds.
import Dispatch

/// Runs the Milvus client's tasks on its own queue: a synchronous caller (the CLI, the server's
/// encoder thread, a request handler) waits on a semaphore without starving the gRPC work.
final class SerialTaskExecutor: TaskExecutor, @unchecked Sendable {
    // Safe to share: DispatchQueue is thread-safe.
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
