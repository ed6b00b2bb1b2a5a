// BLASCore: which OpenBLAS kernels run, and the start-up check that moves off a core far below the CPU's.
internal import CBLAS
internal import SIMDKernels
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS picks its kernels (its "core") once, when the library loads. Debian 12's 0.3.21 does not
/// know recent Intel models and falls back to its SSE3 `Prescott` kernels there, 3-7x slower than
/// the AVX2 or AVX-512 ones the CPU runs. The only switch is `OPENBLAS_CORETYPE`, read at load
/// time, so a program that wants full speed sets it and re-executes itself before any BLAS call
/// (`ensureFullSpeed`). A value the user or the environment set always wins.
public enum BLASCore {
    /// OpenBLAS's own variable.
    public static let coreVariable = "OPENBLAS_CORETYPE"
    /// Set beside `OPENBLAS_CORETYPE` when this check chose it: `FROM>TO` (`Prescott>SkylakeX`),
    /// with a trailing `?` while the chosen core's self-check is still due.
    public static let markerVariable = "LOCALRAG_BLAS_CORE_AUTO"

    /// The CPU as cpuid describes it.
    public struct CPU: Sendable, Equatable {
        public var model: String
        public var isIntel: Bool
        public var avx2: Bool
        public var fma: Bool
        public var avx512: Bool

        public init(model: String, isIntel: Bool, avx2: Bool, fma: Bool, avx512: Bool) {
            self.model = model
            self.isIntel = isIntel
            self.avx2 = avx2
            self.fma = fma
            self.avx512 = avx512
        }

        /// The CPU this process runs on.
        public static let current: CPU = {
            let f = lr_cpu_detect()
            var brand = [CChar](repeating: 0, count: 64)
            lr_cpu_brand(&brand, brand.count)
            let model = String(decoding: brand.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return CPU(model: model.isEmpty ? "unknown CPU" : model, isIntel: f.is_intel != 0,
                       avx2: f.avx2 != 0, fma: f.fma != 0, avx512: f.avx512 != 0)
        }()
    }

    /// What to do at start-up.
    public enum Decision: Sendable, Equatable {
        /// Run with the kernels loaded; `reason` says why.
        case keep(reason: String)
        /// Re-execute with `OPENBLAS_CORETYPE=core`; `selfCheck` when the core must first agree
        /// with the plain reference on a small sgemm.
        case use(core: String, selfCheck: Bool)
    }

    /// OpenBLAS cores that use no AVX2 (a CPU with AVX2 and FMA runs them at a fraction of its speed).
    static let weakCores: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
        "northwood", "banias", "opteron", "opteron_sse3", "barcelona", "bobcat", "bulldozer",
        "piledriver", "steamroller", "sandybridge", "generic", "unknown",
    ]

    /// The decision for a process whose OpenBLAS loaded `loaded` on `cpu`, given its environment.
    public static func decide(loaded: String, cpu: CPU, environment: [String: String]) -> Decision {
        let set = environment[coreVariable].flatMap { $0.isEmpty ? nil : $0 }
        if let set {
            guard let marker = Marker(environment[markerVariable]), marker.to == set else {
                return .keep(reason: "\(coreVariable)=\(set) set by the user or the environment")
            }
            if marker.selfCheckDue { return .use(core: marker.to, selfCheck: true) }
            return .keep(reason: "chosen at start-up: OpenBLAS picked \(marker.from) for this CPU")
        }
        guard weakCores.contains(loaded.lowercased()) else { return .keep(reason: "OpenBLAS's own choice") }
        guard cpu.avx2 && cpu.fma else { return .keep(reason: "OpenBLAS's own choice (no AVX2 and FMA on this CPU)") }
        if cpu.isIntel && cpu.avx512 { return .use(core: "SkylakeX", selfCheck: true) }
        return .use(core: "Haswell", selfCheck: false)
    }

    /// The `FROM>TO[?]` value of `markerVariable`.
    package struct Marker: Equatable {
        package var from: String
        package var to: String
        package var selfCheckDue: Bool

        package init(from: String, to: String, selfCheckDue: Bool) {
            self.from = from
            self.to = to
            self.selfCheckDue = selfCheckDue
        }

        package init?(_ value: String?) {
            guard var v = value, !v.isEmpty else { return nil }
            selfCheckDue = v.hasSuffix("?")
            if selfCheckDue { v.removeLast() }
            let parts = v.split(separator: ">", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            from = String(parts[0])
            to = String(parts[1])
        }

        package var value: String { "\(from)>\(to)\(selfCheckDue ? "?" : "")" }
    }

    /// The core OpenBLAS runs ("Haswell", "SkylakeX", "Prescott", ...).
    public static var loaded: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build line ("OpenBLAS 0.3.21 DYNAMIC_ARCH ... SkylakeX MAX_THREADS=64").
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// One line for version output and benchmark records: the core in use and who chose it.
    public static var summary: String {
        let env = ProcessInfo.processInfo.environment
        let reason: String
        switch decide(loaded: loaded, cpu: .current, environment: env) {
        case .keep(let why): reason = why
        case .use: reason = "OpenBLAS's own choice; a faster core is chosen when rag starts"
        }
        return "\(loaded) (\(reason))"
    }

    /// Re-executes the process with a core the CPU supports when OpenBLAS loaded one far below it
    /// and nobody set `OPENBLAS_CORETYPE`; runs the self-check first where `decide` asks for it
    /// (falling back to Haswell when it disagrees). Returns when nothing is to change. Call it
    /// first thing in `main`, before any other thread exists.
    public static func ensureFullSpeed(executable: String = "/proc/self/exe") {
        let env = ProcessInfo.processInfo.environment
        let now = loaded
        switch decide(loaded: now, cpu: .current, environment: env) {
        case .keep:
            return
        case .use(let core, let selfCheck):
            if let marker = Marker(env[markerVariable]), marker.to == core {
                // Second pass: the core was asked for. If OpenBLAS ignored it (not a DYNAMIC_ARCH
                // build), run with what it loaded rather than loop.
                guard now.lowercased() == core.lowercased() else {
                    setenv(markerVariable, Marker(from: marker.from, to: core, selfCheckDue: false).value, 1)
                    return
                }
                if selfCheck && !agreesWithReference() {
                    reexec(executable, core: "Haswell", from: marker.from, selfCheckDue: false)
                }
                setenv(markerVariable, Marker(from: marker.from, to: core, selfCheckDue: false).value, 1)
                return
            }
            reexec(executable, core: core, from: now, selfCheckDue: selfCheck)
        }
    }

    private static func reexec(_ executable: String, core: String, from: String, selfCheckDue: Bool) {
        setenv(coreVariable, core, 1)
        setenv(markerVariable, Marker(from: from, to: core, selfCheckDue: selfCheckDue).value, 1)
        let args = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        argv.append(nil)
        execv(executable, &argv)
        // execv returned: the re-exec failed; carry on with the kernels loaded.
        unsetenv(coreVariable)
        unsetenv(markerVariable)
    }

    /// A small sgemm with awkward sizes (below GEMM's split threshold: one sgemm call) against the
    /// plain triple loop.
    package static func agreesWithReference() -> Bool {
        var rng = SplitMix64(seed: 7)
        var a = Matrix(rows: 37, cols: 67), b = Matrix(rows: 29, cols: 67)
        for i in 0..<a.storage.count { a.storage[i] = Float(Double(rng.next() >> 40) / Double(1 << 24)) * 2 - 1 }
        for i in 0..<b.storage.count { b.storage[i] = Float(Double(rng.next() >> 40) / Double(1 << 24)) * 2 - 1 }
        let fast = GEMM.multiplyTransposed(a, b)
        let slow = GEMM.referenceMultiplyTransposed(a, b)
        for i in 0..<fast.storage.count where !(abs(fast.storage[i] - slow.storage[i]) <= 1e-4) { return false }
        return true
    }
}
