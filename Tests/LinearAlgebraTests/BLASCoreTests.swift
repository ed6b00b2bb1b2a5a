// BLASCoreTests: the start-up core check decides as described (fake cores, CPUs and environments); a user's value is never changed.
import XCTest
import LinearAlgebra

final class BLASCoreTests: XCTestCase {
    let xeon = BLASCore.CPU(model: "Intel(R) Xeon(R) Processor", isIntel: true, avx2: true, fma: true, avx512: true)
    let zen5 = BLASCore.CPU(model: "AMD EPYC", isIntel: false, avx2: true, fma: true, avx512: true)
    let haswell = BLASCore.CPU(model: "Intel(R) Core(TM) i7-4770", isIntel: true, avx2: true, fma: true, avx512: false)
    let old = BLASCore.CPU(model: "Intel(R) Core(TM)2 Duo", isIntel: true, avx2: false, fma: false, avx512: false)

    func testWeakCoreOnAVX512IntelGoesToSkylakeXWithSelfCheck() {
        XCTAssertEqual(BLASCore.decide(loaded: "Prescott", cpu: xeon, environment: [:]), .use(core: "SkylakeX", selfCheck: true))
        XCTAssertEqual(BLASCore.decide(loaded: "Nehalem", cpu: xeon, environment: ["OPENBLAS_CORETYPE": ""]),
                       .use(core: "SkylakeX", selfCheck: true))
    }

    func testWeakCoreOnAVX2OrAMDGoesToHaswell() {
        XCTAssertEqual(BLASCore.decide(loaded: "Core2", cpu: haswell, environment: [:]), .use(core: "Haswell", selfCheck: false))
        XCTAssertEqual(BLASCore.decide(loaded: "Prescott", cpu: zen5, environment: [:]), .use(core: "Haswell", selfCheck: false))
        XCTAssertEqual(BLASCore.decide(loaded: "SandyBridge", cpu: haswell, environment: [:]), .use(core: "Haswell", selfCheck: false))
    }

    func testGoodCoresAndOldCPUsAreKept() {
        for core in ["Haswell", "SkylakeX", "Zen", "Cooperlake", "SapphireRapids"] {
            guard case .keep = BLASCore.decide(loaded: core, cpu: xeon, environment: [:]) else { return XCTFail(core) }
        }
        guard case .keep = BLASCore.decide(loaded: "Core2", cpu: old, environment: [:]) else { return XCTFail("no AVX2") }
    }

    func testAValueTheUserSetAlwaysWins() {
        for value in ["Prescott", "Haswell", "SkylakeX", "Bogus"] {
            let d = BLASCore.decide(loaded: "Prescott", cpu: xeon, environment: ["OPENBLAS_CORETYPE": value])
            XCTAssertEqual(d, .keep(reason: "OPENBLAS_CORETYPE=\(value) set by the user or the environment"))
        }
        // A marker left by an earlier rag, but the user changed the variable since: still the user's.
        let d = BLASCore.decide(loaded: "Prescott", cpu: xeon,
                                environment: ["OPENBLAS_CORETYPE": "Prescott", BLASCore.markerVariable: "Prescott>SkylakeX"])
        XCTAssertEqual(d, .keep(reason: "OPENBLAS_CORETYPE=Prescott set by the user or the environment"))
    }

    func testSecondPassRunsTheSelfCheckThenKeeps() {
        let due = ["OPENBLAS_CORETYPE": "SkylakeX", BLASCore.markerVariable: "Prescott>SkylakeX?"]
        XCTAssertEqual(BLASCore.decide(loaded: "SkylakeX", cpu: xeon, environment: due), .use(core: "SkylakeX", selfCheck: true))
        let done = ["OPENBLAS_CORETYPE": "SkylakeX", BLASCore.markerVariable: "Prescott>SkylakeX"]
        XCTAssertEqual(BLASCore.decide(loaded: "SkylakeX", cpu: xeon, environment: done),
                       .keep(reason: "chosen at start-up: OpenBLAS picked Prescott for this CPU"))
    }

    func testMarker() {
        XCTAssertEqual(BLASCore.Marker("Prescott>SkylakeX?"), BLASCore.Marker(from: "Prescott", to: "SkylakeX", selfCheckDue: true))
        XCTAssertEqual(BLASCore.Marker("Prescott>Haswell")?.value, "Prescott>Haswell")
        for bad in [nil, "", ">", "Prescott>", ">Haswell", "a>b>c", "Haswell"] { XCTAssertNil(BLASCore.Marker(bad), bad ?? "nil") }
    }

    func testSelfCheckAgreesWithTheReferenceHere() {
        XCTAssertTrue(BLASCore.agreesWithReference(), "sgemm under core \(BLASCore.loaded) disagrees with the plain loop")
    }

    func testCPUFeaturesMatchProcCPUInfo() throws {
        #if arch(x86_64) && os(Linux)
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        let cpu = BLASCore.CPU.current
        XCTAssertEqual(cpu.avx2, flags.contains("avx2"))
        XCTAssertEqual(cpu.fma, flags.contains("fma"))
        XCTAssertEqual(cpu.avx512, ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains))
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":", maxSplits: 1).last
        XCTAssertEqual(cpu.model, model.map { $0.trimmingCharacters(in: .whitespaces) })
        #endif
    }
}
