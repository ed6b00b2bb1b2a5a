// InstallCLITests: `rag --version`, the BLAS core it reports, `rag model list | verify`, and $LOCALRAG_INDEX.
import TestSupport
import XCTest
import Foundation

final class InstallCLITests: XCTestCase {
    var dir: URL!
    /// The repository's installed model (scripts/test.sh installs it before the tests run).
    let repositoryModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/all-MiniLM-L6-v2")

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func testVersionNamesVersionCPUAndCore() throws {
        let r = try RAGBinary.run(["--version"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, r.stdout)
        XCTAssertTrue(lines[0].hasPrefix("rag 0.2.0"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("cpu: "), lines[1])
        XCTAssertTrue(lines[2].hasPrefix("blas: OpenBLAS "), lines[2])
        XCTAssertTrue(lines[2].contains(", core "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("simd: "), lines[3])
        let forced = try RAGBinary.run(["--version"], environment: ["LOCALRAG_SIMD": "plain"])
        XCTAssertTrue(forced.stdout.contains("\nsimd: plain (best on this CPU: "), forced.stdout)
    }

    func testAUserSetCoreIsNeverChanged() throws {
        let r = try RAGBinary.run(["--version"], environment: ["OPENBLAS_CORETYPE": "Prescott", "LOCALRAG_BLAS_CORE_AUTO": nil])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("core Prescott (OPENBLAS_CORETYPE=Prescott set by the user or the environment)"), r.stdout)
    }

    func testAWeakCoreIsReplacedOnAnAVX2CPU() throws {
        if let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !set.isEmpty {
            throw Requirement.hardware("OPENBLAS_CORETYPE=\(set) is set by the environment for this CPU; the tests never change it")
        }
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
        guard flags.contains("avx2") && flags.contains("fma") else { throw Requirement.hardware("this CPU has no AVX2 and FMA") }
        let r = try RAGBinary.run(["--version"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let blas = r.stdout.split(separator: "\n").first { $0.hasPrefix("blas: ") }.map(String.init) ?? ""
        for weak in ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "SandyBridge"] {
            XCTAssertFalse(blas.contains("core \(weak) "), blas)
        }
    }

    func testIndexFolderFromTheEnvironment() throws {
        try "text,label_text\nhello there,greet\nbye now,farewell\n".write(to: dir.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
        let env: [String: String?] = ["LOCALRAG_INDEX": dir.appendingPathComponent("from-env").path]
        let build = try RAGBinary.run(["index", "build", "--csv", "t.csv", "--embedder", "hashing"], in: dir, environment: env)
        XCTAssertEqual(build.status, 0, build.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("from-env/manifest.json").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("index").path))
        let info = try RAGBinary.run(["index", "info", "--json"], in: dir, environment: env)
        XCTAssertEqual(info.status, 0, info.stderr)
        // --index still wins over the variable.
        let other = try RAGBinary.run(["index", "info", "--index", "nowhere"], in: dir, environment: env)
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("nowhere"), other.stderr)
    }

    func testModelListWithNoModel() throws {
        let r = try RAGBinary.run(["model", "list", "--model-dir", dir.appendingPathComponent("none").path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.hasPrefix("no model found; `rag model install` puts all-MiniLM-L6-v2 in "), r.stderr)
        let all = try RAGBinary.run(["model", "list", "--model-dir", dir.appendingPathComponent("none").path, "--all", "--json"])
        XCTAssertEqual(all.status, 0)
        let object = try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["source"] as? String, "--model-dir")
        XCTAssertTrue(object["identifier"] is NSNull)
        XCTAssertEqual(object["in_use"] as? Bool, false)
    }

    func testModelListAndVerifyTheRepositoryModelThenAFlippedByte() throws {
        guard FileManager.default.fileExists(atPath: repositoryModel.appendingPathComponent("model.safetensors").path) else {
            return XCTFail("model not installed at \(repositoryModel.path) (run scripts/lib/install-model.sh)")
        }
        let list = try RAGBinary.run(["model", "list", "--model-dir", repositoryModel.path])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(list.stdout, "* \(repositoryModel.path)  [--model-dir]  bert 6x384, 384 dims, mean pooling, minilm:all-MiniLM-L6-v2:sha256=53aa51172d142c89\n")
        let listed = try RAGBinary.run(["model", "list", "--model-dir", repositoryModel.path, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["architecture"] as? String, "bert")
        XCTAssertEqual(object["dimension"] as? Int, 384)
        XCTAssertEqual(object["pooling"] as? [String], ["mean"])
        XCTAssertEqual(object["max_seq_length"] as? Int, 256)
        XCTAssertEqual(object["prompts"] as? [String: String], ["query": "", "document": "", "plain": ""])
        let ok = try RAGBinary.run(["model", "verify", "--model-dir", repositoryModel.path])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.hasPrefix("ok      model.safetensors\nok      vocab.txt\nverified "), ok.stdout)

        let copy = dir.appendingPathComponent("all-MiniLM-L6-v2")
        try FileManager.default.copyItem(at: repositoryModel, to: copy)
        let weights = try FileHandle(forUpdating: copy.appendingPathComponent("model.safetensors"))
        try weights.seek(toOffset: 50_000_000)
        let byte = try weights.read(upToCount: 1)![0]
        try weights.seek(toOffset: 50_000_000)
        try weights.write(contentsOf: Data([byte ^ 1]))
        try weights.close()
        let bad = try RAGBinary.run(["model", "verify", "--model-dir", copy.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stdout.hasPrefix("FAILED  model.safetensors: SHA-256 "), bad.stdout)
        XCTAssertTrue(bad.stdout.contains(", expected 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db\n"), bad.stdout)
        XCTAssertTrue(bad.stderr.contains("reinstall it with `rag model install`"), bad.stderr)
    }
}
