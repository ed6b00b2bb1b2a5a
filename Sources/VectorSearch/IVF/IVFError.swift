// IVFError: what a user can get wrong about training, opening, extending or tuning an IVF index, each saying what to run.
import Foundation

public enum IVFError: Error, LocalizedError, Equatable {
    /// More lists (or k-means clusters) asked for than there are rows to put in them.
    case moreListsThanRows(nlist: Int, rows: Int)
    case invalidListCount(Int)
    case noRows
    /// Row ids are stored as UInt32.
    case tooManyRows(Int)
    /// The IVF part covers another number of rows than the index (rows were added without it).
    case rowCountMismatch(ivf: Int, index: Int)
    case invalidTarget(Double)

    public var errorDescription: String? {
        switch self {
        case .moreListsThanRows(let nlist, let rows):
            let suggestion = IVFIndex.defaultListCount(rows: rows)
            return "nlist \(nlist) is more than the \(rows) rows to cluster (every list needs at least one row, "
                + "and about 39 to train well; about \(suggestion) suit \(rows) rows)"
        case .invalidListCount(let n):
            return "nlist must be at least 1 (got \(n))"
        case .noRows:
            return "no rows to train the IVF index on; build the index from a CSV with rows first"
        case .tooManyRows(let n):
            return "\(n) rows is more than the IVF index can address (row ids are 32-bit); the flat index has no such limit"
        case .rowCountMismatch(let ivf, let index):
            return "the IVF part covers \(ivf) rows but the index holds \(index)"
        case .invalidTarget(let t):
            return "target recall \(t) is not in (0, 1]"
        }
    }
}
