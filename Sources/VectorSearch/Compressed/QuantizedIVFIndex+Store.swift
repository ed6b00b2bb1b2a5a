// QuantizedIVFIndex+Store: an index folder with both the IVF and a codes part: each segment's list-ordered codes (`ivf_codes@<segment>`) mapped beside its lists.
import Foundation
import LinearAlgebra

extension QuantizedIVFIndex {
    /// Maps each segment's `ivf_codes` file of `store` (an entry's codes in the format of
    /// `quantized`, the store's opened codes part) beside `ivf`, the store's opened lists, with the
    /// format and rescore factor of `quantized`.
    public init(ivf: IVFIndex, quantized: QuantizedFlatIndex, store: IndexStore) throws {
        let manifest = store.manifest
        let codes = try manifest.rowSegments.map { segment in
            let role = manifest.role(IVFIndex.Role.codes, of: segment)
            guard manifest.files[role] != nil else {
                throw StoreError.badManifest(path: store.folder.appendingPathComponent(Manifest.fileName).path,
                                             reason: "the ivf part lists no \(role) file (an index with the ivf and \(quantized.format.encoding.rawValue) parts keeps its lists' codes)")
            }
            return try CodeStorage(mapped: try IndexStore.map(manifest, role, in: store.folder), count: segment.rows,
                                   dimension: manifest.dimension * quantized.format.bytesPerDimension)
        }
        self.init(ivf: ivf, format: quantized.format, codes: codes, rescore: quantized.rescore)
    }
}
