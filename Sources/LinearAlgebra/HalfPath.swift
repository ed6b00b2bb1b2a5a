// HalfPath: which instruction set the 16-bit float code kernels run: AVX-512 BF16, AVX-512, AVX2+F16C or plain, chosen by cpuid.
internal import SIMDKernels

/// The 16-bit code kernels exist once per instruction set; AVX-512 BF16's `vdpbf16ps` scores
/// bfloat16 codes against the query rounded to bfloat16 (float16 codes take AVX-512 there). The
/// process runs the best the CPU has under `LOCALRAG_SIMD`'s cap (`avx512-novnni` stops below
/// BF16, as below VNNI). Tests run each path the CPU supports.
public enum HalfPath: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case plain = 0
    case avx2 = 1
    case avx512 = 2
    case avx512BF16 = 3

    /// The path this process uses.
    public static let current: HalfPath = HalfPath(rawValue: lr_half_path()) ?? .plain

    /// The best path the CPU supports (AVX2 needs F16C too).
    public static let best: HalfPath = HalfPath(rawValue: lr_half_best_path()) ?? .plain

    /// Every path this CPU can run, plain first.
    public static var supported: [HalfPath] { allCases.filter { $0.rawValue <= best.rawValue } }

    public var description: String {
        switch self {
        case .plain: "plain"
        case .avx2: "avx2"
        case .avx512: "avx512"
        case .avx512BF16: "avx512-bf16"
        }
    }
}
