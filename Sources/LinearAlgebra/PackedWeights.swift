// PackedWeights: linear weights W [n x k] repacked once (column panels of Wᵀ) for the small-M product.
internal import SIMDKernels

/// A linear layer's weights `W [rows x cols]` (row-major, `y = x·Wᵀ`, as stored in safetensors)
/// laid out once for `GEMM.multiplyPacked`: Wᵀ in panels of 16 output columns, input-major inside
/// a panel, zero-padded. sgemm packs B again on every call, which at a few rows of A costs more
/// than the product itself; this layout is built when the model loads and only read afterwards.
/// The buffer is 64-byte aligned, `ceil(rows / 16) * 16 * cols` floats, immutable once built.
public struct PackedWeights: @unchecked Sendable {
    // Sendable: the buffer is written only in init and read-only afterwards.
    /// Output features (rows of W, columns of the product).
    public let rows: Int
    /// Input features (columns of W, the inner dimension).
    public let cols: Int
    let storage: AlignedStorage<Float>

    /// Packs `w`, `[rows x cols]` row-major (at least `rows * cols` floats).
    public init(_ w: UnsafeBufferPointer<Float>, rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0 && w.count >= rows * cols, "weights hold \(w.count) floats, not \(rows) x \(cols)")
        self.rows = rows
        self.cols = cols
        storage = AlignedStorage(count: lr_packed_weights_count(rows, cols))
        if rows > 0, cols > 0, let base = w.baseAddress {
            lr_pack_weights(base, rows, cols, storage.pointer)
        }
    }

    /// Packs `w`, `[rows x cols]` row-major.
    public init(_ w: [Float], rows: Int, cols: Int) {
        self = w.withUnsafeBufferPointer { PackedWeights($0, rows: rows, cols: cols) }
    }

    /// Bytes of the packed copy (what it adds to the process's memory).
    public var byteCount: Int { storage.count * MemoryLayout<Float>.stride }

    /// The packed floats, for the kernel.
    var pointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }
}
