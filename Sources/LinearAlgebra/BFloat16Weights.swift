// BFloat16Weights: linear weights W [n x k] rounded to bfloat16 and packed once for the bfloat16 product (GEMM.multiplyBFloat16).
internal import SIMDKernels

/// A linear layer's weights `W [rows x cols]` (row-major, `y = x·Wᵀ`) rounded to bfloat16 (to
/// nearest even) and laid out once as `vdpbf16ps` reads them: panels of 32 output columns, each
/// pair of inputs' two weights side by side. Half the bytes of the float32 weights; built when a
/// model loads at bfloat16 precision, read-only afterwards, 64-byte aligned.
public struct BFloat16Weights: @unchecked Sendable {
    // Sendable: the buffer is written only in init and read-only afterwards.
    /// Output features (rows of W, columns of the product).
    public let rows: Int
    /// Input features (columns of W, the inner dimension).
    public let cols: Int
    let storage: AlignedStorage<UInt16>

    /// Rounds and packs `w`, `[rows x cols]` row-major (at least `rows * cols` floats).
    public init(_ w: UnsafeBufferPointer<Float>, rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0 && w.count >= rows * cols, "weights hold \(w.count) floats, not \(rows) x \(cols)")
        self.rows = rows
        self.cols = cols
        storage = AlignedStorage(count: lr_bf16_packed_count(rows, cols))
        if let base = w.baseAddress {
            precondition(lr_bf16_pack_weights(base, rows, cols, storage.pointer) == 0, "out of memory")
        } else {
            storage.pointer.initialize(repeating: 0, count: max(1, storage.count))
        }
    }

    /// Rounds and packs `w`, `[rows x cols]` row-major.
    public init(_ w: [Float], rows: Int, cols: Int) {
        self = w.withUnsafeBufferPointer { BFloat16Weights($0, rows: rows, cols: cols) }
    }

    /// Bytes of the packed copy.
    public var byteCount: Int { storage.count * MemoryLayout<UInt16>.stride }

    /// The packed values, for the kernel.
    var pointer: UnsafePointer<UInt16> { UnsafePointer(storage.pointer) }
}
