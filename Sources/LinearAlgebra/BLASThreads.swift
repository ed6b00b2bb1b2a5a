// BLASThreads: reads and sets the number of threads OpenBLAS uses for every sgemm in the process.
internal import CBLAS

/// OpenBLAS's thread pool is process-wide; callers that parallelise themselves set it to 1.
public enum BLASThreads {
    /// Threads OpenBLAS will use.
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Sets OpenBLAS's thread count (clamped to at least 1).
    public static func set(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }
}
