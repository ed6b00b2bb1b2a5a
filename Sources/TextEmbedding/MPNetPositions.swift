// MPNetPositions: MPNet's buckets of relative positions, computed in float32 as transformers computes them.
import Foundation

/// MPNet adds to every attention score a learned bias chosen by the bucket of the key's position
/// relative to the query's (T5's scheme: 16 buckets for keys before, 16 after; exact distances
/// below 8, then log-spaced up to 128, the last bucket beyond).
public enum MPNetPositions {
    /// `MPNetEncoder.relative_position_bucket(relative, num_buckets: 32, max_distance: 128)` for
    /// `relative` = key position - query position, in the float32 steps torch takes (the log of
    /// distance / 8, divided by log(16) rounded to float32, times 8, truncated).
    public static func bucket(_ relative: Int, buckets: Int = 32, maxDistance: Int = 128) -> Int {
        let half = buckets / 2, exact = half / 2
        let side = relative > 0 ? half : 0
        let distance = abs(relative)
        guard distance >= exact else { return side + distance }
        let logRatio = Float(Foundation.log(Double(maxDistance) / Double(exact)))
        let scaled = logf(Float(distance) / Float(exact)) / logRatio * Float(half - exact)
        return side + min(exact + Int(scaled), half - 1)
    }
}
