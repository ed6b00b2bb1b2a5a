// Matrix: a dense row-major Float32 matrix, the one buffer shape every module passes around.

/// A `rows x cols` matrix stored as one contiguous row-major `[Float]`
/// (`storage[r * cols + c]`). Value semantics; `Sendable`.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    /// Row-major elements, `rows * cols` of them.
    public var storage: [Float]

    /// A zero-filled `rows x cols` matrix.
    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape")
        self.rows = rows
        self.cols = cols
        self.storage = [Float](repeating: 0, count: rows * cols)
    }

    /// Wraps `storage` (row-major, `rows * cols` elements).
    public init(rows: Int, cols: Int, storage: [Float]) {
        precondition(storage.count == rows * cols, "storage has \(storage.count) elements, shape needs \(rows * cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// Stacks equally long rows; `cols` must be given for an empty list.
    public init(stacking rowArrays: [[Float]], cols: Int? = nil) {
        let width = cols ?? rowArrays.first?.count ?? 0
        var flat = [Float]()
        flat.reserveCapacity(rowArrays.count * width)
        for row in rowArrays {
            precondition(row.count == width, "ragged rows: \(row.count) vs \(width)")
            flat.append(contentsOf: row)
        }
        self.init(rows: rowArrays.count, cols: width, storage: flat)
    }

    @inlinable
    public subscript(row: Int, col: Int) -> Float {
        get { storage[row * cols + col] }
        set { storage[row * cols + col] = newValue }
    }

    /// A copy of row `r`.
    public func row(_ r: Int) -> [Float] {
        Array(storage[(r * cols)..<((r + 1) * cols)])
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, storage: Array(storage[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// Appends the rows of `other` (same `cols`).
    public mutating func append(rowsOf other: Matrix) {
        precondition(other.cols == cols || rows == 0, "column mismatch \(other.cols) vs \(cols)")
        if rows == 0 {
            self = other
            return
        }
        storage.append(contentsOf: other.storage)
        self = Matrix(rows: rows + other.rows, cols: cols, storage: storage)
    }
}
