// SIMDPath: which instruction set the element-wise kernels run (AVX-512, AVX2+FMA or plain), chosen by cpuid.
internal import SIMDKernels

/// The kernels of `VectorKernels` exist once per instruction set; the process runs the best the
/// CPU has unless `LOCALRAG_SIMD=plain|avx2|avx512` asks for a lower one (tests run every path
/// explicitly). OpenBLAS stays the sgemm of the dense layers.
public enum SIMDPath: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case plain = 0
    case avx2 = 1
    case avx512 = 2

    /// The path this process uses.
    public static let current: SIMDPath = SIMDPath(rawValue: lr_simd_path()) ?? .plain

    /// The best path the CPU supports.
    public static let best: SIMDPath = SIMDPath(rawValue: lr_simd_best_path()) ?? .plain

    /// Every path this CPU can run, plain first.
    public static var supported: [SIMDPath] { allCases.filter { $0.rawValue <= best.rawValue } }

    public var description: String {
        switch self {
        case .plain: "plain"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }
}
