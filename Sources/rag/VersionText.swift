// VersionText: what `rag --version` prints: the version, the commit it was built from, the CPU and the BLAS core in use.
import Foundation
import LinearAlgebra
import TextEmbedding

enum VersionText {
    static let version = "0.2.0"

    static var text: String {
        let cpu = BLASCore.CPU.current
        let isa = cpu.avx512 ? "AVX-512" : cpu.avx2 && cpu.fma ? "AVX2+FMA" : "no AVX2"
        let blas = BLASCore.configuration.split(separator: " ").prefix(2).joined(separator: " ")
        return """
        rag \(version)\(commit.map { " (commit \($0))" } ?? "")
        cpu: \(cpu.model) (\(isa))
        blas: \(blas), core \(BLASCore.summary)
        simd: \(SIMDPath.current) (best on this CPU: \(SIMDPath.best); LOCALRAG_SIMD=plain|avx2|avx512 forces a lower one)
        """
    }

    /// The commit: from `share/localrag/commit` beside an installed binary, else from the git
    /// checkout whose `.build/` holds the binary; nil when neither says.
    static var commit: String? {
        let bin = EncoderLoader.executableURL().deletingLastPathComponent()
        let installed = bin.deletingLastPathComponent().appendingPathComponent("share/localrag/commit")
        if let s = try? String(contentsOf: installed, encoding: .utf8) {
            let c = s.trimmingCharacters(in: .whitespacesAndNewlines)
            if !c.isEmpty { return c }
        }
        return EncoderLoader.packageFolder().flatMap { headCommit(gitDir: $0.appendingPathComponent(".git")) }
    }

    /// The commit HEAD names in `gitDir` (a loose ref or packed-refs), short form.
    static func headCommit(gitDir: URL) -> String? {
        guard let head = try? String(contentsOf: gitDir.appendingPathComponent("HEAD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        var sha = head
        if head.hasPrefix("ref: ") {
            let ref = String(head.dropFirst(5))
            if let loose = try? String(contentsOf: gitDir.appendingPathComponent(ref), encoding: .utf8) {
                sha = loose.trimmingCharacters(in: .whitespacesAndNewlines)
            } else if let packed = try? String(contentsOf: gitDir.appendingPathComponent("packed-refs"), encoding: .utf8),
                      let line = packed.split(separator: "\n").first(where: { $0.hasSuffix(" " + ref) }) {
                sha = String(line.prefix { $0 != " " })
            } else {
                return nil
            }
        }
        guard sha.count == 40, sha.allSatisfy(\.isHexDigit) else { return nil }
        return String(sha.prefix(12))
    }
}
