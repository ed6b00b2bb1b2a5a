// BLASThreads: how many threads the process's dense linear algebra uses; OpenBLAS itself is pinned to one.
internal import CBLAS
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The thread count for every BLAS-backed product (sgemm, sgemv) and the element-wise work around
/// them. OpenBLAS's own pool is pinned to one thread and products are split by rows over our
/// workers instead: OpenBLAS's workers spin after each call, and sharing 2 cores between spinning
/// BLAS threads and the encoder's own parallel loops made both slower (oversubscription).
public enum BLASThreads {
    private static let configured = Atomic<Int>(0)
    /// Set (non-nil) on a thread inside `onOneThread`.
    private static let oneThreadKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key left")
        return key
    }()

    /// Threads in use (default: the machine's cores); 1 inside `onOneThread`.
    public static var count: Int {
        if pthread_getspecific(oneThreadKey) != nil { return 1 }
        let n = configured.load(ordering: .relaxed)
        if n > 0 { return n }
        set(System.cores)
        return configured.load(ordering: .relaxed)
    }

    /// Sets the thread count (clamped to at least 1).
    public static func set(_ n: Int) {
        openblas_set_num_threads(1)
        configured.store(max(1, n), ordering: .relaxed)
    }

    /// Runs `body` with `count` reading 1 on the calling thread, so the products and loops it
    /// starts stay on that thread: for work that is already one of several parallel parts (whole
    /// batches side by side rather than each batch split over every thread).
    public static func onOneThread<T>(_ body: () throws -> T) rethrows -> T {
        let before = pthread_getspecific(oneThreadKey)
        pthread_setspecific(oneThreadKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(oneThreadKey, before) }
        return try body()
    }

    /// Runs `body(part)` for `part` in `0..<parts`, concurrently when `parts > 1`.
    public static func parallel(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        // The parts touch disjoint memory that outlives this call; the box only carries the
        // non-Sendable closure across concurrentPerform.
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { box.value($0) }
        }
    }

    /// `0..<n` cut into at most `parts` contiguous, nearly equal ranges (none empty unless n is 0).
    public static func chunks(_ n: Int, parts: Int) -> [Range<Int>] {
        let p = max(1, min(parts, n))
        return (0..<p).map { i in (i * n / p)..<((i + 1) * n / p) }
    }
}

/// Carries a value the compiler cannot prove Sendable into concurrent code that uses it safely.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

enum System {
    static var cores: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }
}
