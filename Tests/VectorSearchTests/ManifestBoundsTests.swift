// ManifestBoundsTests: a manifest whose count or dimension would overflow a size computation is refused, not a trap.
import XCTest
import Foundation
import VectorSearch

final class ManifestBoundsTests: XCTestCase {
    /// Found by scripts/reliability/corrupt.py: `"count": 2^62` trapped (arithmetic overflow) in
    /// `VectorStorage(mapped:count:dimension:)` when opening, so `rag index verify` crashed.
    func testHugeCountOrDimensionIsRefusedAtRead() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-bounds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try IndexWriter(folder: folder, embedder: "test:v1", dimension: 4)
        try writer.append(FlatIndexTests.unitRows(3, 4, seed: 1), documents: (0..<3).map { Document(sourceRow: $0, text: "t\($0)", label: nil, id: "t\($0)") })
        try writer.commit()
        let url = folder.appendingPathComponent(Manifest.fileName)
        let original = try String(contentsOf: url, encoding: .utf8)
        for (from, to) in [("\"count\" : 3", "\"count\" : 4611686018427387904"),
                           ("\"dimension\" : 4", "\"dimension\" : 4611686018427387904"),
                           ("\"count\" : 3", "\"count\" : 9223372036854775807")] {
            XCTAssertTrue(original.contains(from), from)
            try original.replacingOccurrences(of: from, with: to).write(to: url, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try IndexStore(opening: folder), to) {
                XCTAssertNotNil($0 as? StoreError, "\($0)")
                XCTAssertFalse(($0 as? StoreError)?.errorDescription?.contains("rag ") ?? true, "\($0)")
            }
        }
    }
}
