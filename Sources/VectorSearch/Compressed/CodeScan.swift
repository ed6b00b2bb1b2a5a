// CodeScan: queries prepared for one code format's kernel, a block of code rows scored against up to four of them, and the scores offered to heaps.
import LinearAlgebra

/// The scan step shared by the flat and the IVF compressed searches. int8 codes: each query as
/// 8-bit integers (`ScalarQuantizer.prepare`), scored in exact int32 (`VectorKernels.codeDotRows`);
/// 16-bit float codes: the queries prepared once for the kernel path (`HalfQueries`: rounded to
/// bfloat16 where AVX-512 BF16 scores bfloat16 codes), scored in float (`VectorKernels.halfDotRows`).
struct CodeScan {
    let format: CodeFormat
    let dimension: Int
    /// Queries prepared.
    let count: Int
    /// The queries' int8 values (int8 codes), `dimension` a query.
    private let values: [Int8]
    /// The queries as the 16-bit float kernels read them (16-bit float codes).
    private let halves: HalfQueries?

    init(format: CodeFormat, queries: UnsafePointer<Float>, count: Int, dimension: Int) {
        self.format = format
        self.dimension = dimension
        self.count = count
        switch format {
        case .int8(let quantizer):
            var values = [Int8]()
            values.reserveCapacity(count * dimension)
            for j in 0..<count { values += quantizer.prepare(query: queries + j * dimension).values }
            self.values = values
            halves = nil
        case .half(let format):
            values = []
            halves = HalfQueries(queries, count: count, dimension: dimension, format: format)
        }
    }

    /// One worker's buffers: the scores of a block of rows for four queries, and four int8 queries' values side by side.
    final class Scratch {
        let block: Int
        private let dotsStorage: AlignedStorage<Int32>
        private let scoresStorage: AlignedStorage<Float>
        private let fourStorage: AlignedStorage<Int8>
        var dots: UnsafeMutablePointer<Int32> { dotsStorage.pointer }
        var scores: UnsafeMutablePointer<Float> { scoresStorage.pointer }
        var four: UnsafeMutablePointer<Int8> { fourStorage.pointer }

        /// Buffers for `format`'s kernels (the other format's hold one value), cache-line aligned.
        init(format: CodeFormat, block: Int, dimension: Int) {
            self.block = block
            let int8 = format.quantizer != nil
            dotsStorage = AlignedStorage(count: int8 ? 4 * block : 1)
            scoresStorage = AlignedStorage(count: int8 ? 1 : 4 * block)
            fourStorage = AlignedStorage(count: int8 ? 4 * dimension : 1)
        }
    }

    /// Scores `n` rows of codes (at most `scratch.block`) against `members` (1 to 4) of the
    /// prepared queries, `query(j)` being member `j`'s index, four per kernel call, into
    /// `scratch` (member `j`'s scores at `j · scratch.block`); `fold` offers them to a heap.
    @inline(__always)
    func score(_ codes: UnsafePointer<UInt8>, count n: Int, members: Int, query: (Int) -> Int, scratch: Scratch) {
        let d = dimension, ldo = scratch.block
        precondition(n <= ldo && (1...4).contains(members))
        switch format {
        case .int8:
            values.withUnsafeBufferPointer { v in
                if members == 1 {
                    VectorKernels.codeDotRows(codes, count: n, dimension: d, query: v.baseAddress! + query(0) * d, into: scratch.dots)
                } else {
                    // The group's values one after the other, the last repeated to fill four (not read back).
                    for j in 0..<4 { (scratch.four + j * d).update(from: v.baseAddress! + query(min(j, members - 1)) * d, count: d) }
                    VectorKernels.codeDotRows4(codes, count: n, dimension: d, queries: scratch.four, into: scratch.dots, ldo: ldo)
                }
            }
        case .half:
            let rows = UnsafeRawPointer(codes).assumingMemoryBound(to: UInt16.self)
            if members == 1 {
                VectorKernels.halfDotRows(rows, count: n, dimension: d, queries: self.halves!, query: query(0), into: scratch.scores)
            } else {
                // The last member repeated to fill four (not read back).
                let group = (query(0), query(1), query(min(2, members - 1)), query(min(3, members - 1)))
                VectorKernels.halfDotRows4(rows, count: n, dimension: d, queries: self.halves!, members: group, into: scratch.scores, ldo: ldo)
            }
        }
    }

    /// Offers member `j`'s `n` scores of the last `score` to `heap` (`QuantizedFlatIndex.fold`:
    /// the allowed rows, ids from `firstID`, the mask read at `rowIDs` when given).
    @inline(__always)
    func fold(_ scratch: Scratch, member j: Int, count n: Int, firstID: Int, rowIDs: UnsafePointer<UInt32>? = nil, allowed: RowMask?,
              into heap: inout TopK) {
        if case .int8 = format {
            QuantizedFlatIndex.fold(scratch.dots + j * scratch.block, count: n, firstID: firstID, rowIDs: rowIDs, allowed: allowed, into: &heap)
        } else {
            QuantizedFlatIndex.fold(scratch.scores + j * scratch.block, count: n, firstID: firstID, rowIDs: rowIDs, allowed: allowed, into: &heap)
        }
    }
}
