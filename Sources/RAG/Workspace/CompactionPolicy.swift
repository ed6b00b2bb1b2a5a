// CompactionPolicy: when a write to a store is followed by compaction (deleted rows past a fraction, segments past a count).

/// Compaction after a write (`Workspace.add`, `upsert`, `delete`) when the deleted rows pass
/// `deletedFraction` of the stored rows, or the stored segments pass `maxSegments` (each append
/// adds one; every search scans each).
public struct CompactionPolicy: Sendable, Equatable {
    /// Deleted rows over stored rows above which to compact (1 or more: never for deletions).
    public var deletedFraction: Double
    /// Segments above which to compact (`Int.max`: never for segments).
    public var maxSegments: Int

    public init(deletedFraction: Double = 0.2, maxSegments: Int = 16) {
        self.deletedFraction = deletedFraction
        self.maxSegments = maxSegments
    }

    /// 20% deleted rows, 16 segments.
    public static let standard = CompactionPolicy()
    /// Never compacts by itself (`Workspace.compact` still does).
    public static let never = CompactionPolicy(deletedFraction: .infinity, maxSegments: .max)

    /// Whether a store with `deleted` of `stored` rows in `segments` segments is due.
    public func isDue(deleted: Int, stored: Int, segments: Int) -> Bool {
        (deleted > 0 && Double(deleted) > deletedFraction * Double(stored)) || segments > maxSegments
    }
}
