// BLASInfo: which OpenBLAS build and kernel the process runs, read through dlsym (LinearAlgebra exposes only the thread count).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum BLASInfo {
    private typealias CharFn = @convention(c) () -> UnsafePointer<CChar>?

    private static func call(_ name: String) -> String? {
        guard let h = dlopen(nil, RTLD_NOW), let sym = dlsym(h, name) else { return nil }
        let f = unsafeBitCast(sym, to: CharFn.self)
        return f().map { String(cString: $0) }
    }

    /// OpenBLAS's kernel name (e.g. "Haswell"), nil when the symbol is not found.
    public static var coreName: String? { call("openblas_get_corename") }
    /// OpenBLAS's build configuration string.
    public static var config: String? { call("openblas_get_config") }

    /// The environment variables that steer OpenBLAS and OpenMP, as this process saw them.
    public static var environment: [String: String] {
        let env = ProcessInfo.processInfo.environment
        var out: [String: String] = [:]
        for k in ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"] {
            if let v = env[k] { out[k] = v }
        }
        return out
    }
}
