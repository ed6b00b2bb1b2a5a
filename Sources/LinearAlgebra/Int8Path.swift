// Int8Path: which instruction set the integer (8-bit code) kernels run: AVX-512 VNNI, AVX-512, AVX2 or plain, chosen by cpuid.
internal import SIMDKernels

/// The integer kernels exist once per instruction set, VNNI's `vpdpbusd` above plain AVX-512.
/// The process runs the best the CPU has under `LOCALRAG_SIMD`'s cap (`avx512-novnni` stops
/// below VNNI). Every path returns the same integers: tests run each one the CPU supports.
public enum Int8Path: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case plain = 0
    case avx2 = 1
    case avx512 = 2
    case avx512VNNI = 3

    /// The path this process uses.
    public static let current: Int8Path = Int8Path(rawValue: lr_int8_path()) ?? .plain

    /// The best path the CPU supports.
    public static let best: Int8Path = Int8Path(rawValue: lr_int8_best_path()) ?? .plain

    /// Every path this CPU can run, plain first.
    public static var supported: [Int8Path] { allCases.filter { $0.rawValue <= best.rawValue } }

    public var description: String {
        switch self {
        case .plain: "plain"
        case .avx2: "avx2"
        case .avx512: "avx512"
        case .avx512VNNI: "avx512-vnni"
        }
    }
}
