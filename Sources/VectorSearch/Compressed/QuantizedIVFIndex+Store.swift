// QuantizedIVFIndex+Store: an index folder with both the IVF and the int8 part: each segment's list-ordered codes (`ivf_codes@<segment>`) mapped beside its lists.
import Foundation
import LinearAlgebra

extension QuantizedIVFIndex {
    /// Maps each segment's `ivf_codes` file of `store` (sized like the segment's list-ordered
    /// vectors) beside `ivf`, the store's opened lists, with the quantizer and rescore factor of
    /// `quantized`, the store's opened int8 part.
    public init(ivf: IVFIndex, quantized: QuantizedFlatIndex, store: IndexStore) throws {
        let manifest = store.manifest
        let codes = try manifest.rowSegments.map { segment in
            let role = manifest.role(IVFIndex.Role.codes, of: segment)
            guard manifest.files[role] != nil else {
                throw StoreError.badManifest(path: store.folder.appendingPathComponent(Manifest.fileName).path,
                                             reason: "the ivf part lists no \(role) file (an index with the ivf and int8 parts keeps its lists' codes)")
            }
            return try CodeStorage(mapped: try IndexStore.map(manifest, role, in: store.folder), count: segment.rows, dimension: manifest.dimension)
        }
        self.init(ivf: ivf, quantizer: quantized.quantizer, codes: codes, rescore: quantized.rescore)
    }
}
