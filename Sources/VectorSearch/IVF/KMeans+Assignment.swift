// KMeans+Assignment: after the first assignment step, rows are scored only against the centroids that moved; a bound says which rows need all of them.
import LinearAlgebra

extension KMeans {
    /// Each training row's centroid, kept from one assignment step to the next with what lets the
    /// next skip work: the row's score for its centroid, and a bound on every other centroid's.
    ///
    /// An update moves only some centroids (those whose rows changed); an unmoved centroid scores
    /// every row as it did. So after the first step a row is scored against the moved centroids
    /// only. If its own centroid did not move, the best of the moved ones either beats it or not
    /// (the unmoved ones scored no more than it before, and still do). If its own centroid moved,
    /// the best of the moved ones wins when it beats the bound on the others (which the unmoved
    /// ones' scores stay under); otherwise the row is scored against every centroid again, which
    /// also makes its bound exact. Each step gives the labels a full assignment gives (ties to the
    /// lower centroid) up to rounding: sgemm may round a score differently in a product of
    /// another shape (OpenBLAS's Haswell kernels do, by an ulp), so where two centroids score
    /// within rounding of each other either may win, as between two blockings of the full step.
    /// It scores far fewer row x centroid pairs once the centroids settle: 36% of a full step's
    /// over 10 iterations at 1M rows and 4,096 lists, 1-3% by the last ones.
    package struct Assignment {
        /// Each row's centroid.
        package var labels: [Int32]
        /// Each row's score for its centroid.
        package var best: [Float]
        /// At least each row's best score for any other centroid.
        package var others: [Float]
        /// Row x centroid scores computed, over all steps.
        package private(set) var scored = 0
        /// Row x centroid scores a full assignment at every step would have computed.
        package private(set) var fullWork = 0

        package init(rows n: Int) {
            labels = [Int32](repeating: 0, count: n)
            best = [Float](repeating: 0, count: n)
            others = [Float](repeating: -.infinity, count: n)
        }

        /// Scores every row against every centroid of `scoring` (`KMeans.scoring`'s rows; `augment`
        /// when those carry the L2 column).
        package mutating func assignAll(_ x: UnsafePointer<Float>, dimension d: Int, scoring: Matrix, augment: Bool) {
            let n = labels.count, k = scoring.rows
            fullWork += n * k
            scored += n * k
            (labels, best, others) = KMeans.topTwo(x, dimension: d, rows: n, centroids: scoring.storage, count: k, augment: augment)
        }

        /// The step after an update that changed only the centroids `moved` (ascending) of
        /// `scoring`, every other one bit for bit as at the last step. A row relabeled since (an
        /// empty cluster's split) needs both its old and its new centroid among `moved`: its bound
        /// then still holds every unmoved centroid. With nine in ten centroids moved or more, every
        /// row is scored against all of them (`assignAll`): no more work, and every bound exact.
        package mutating func reassign(_ x: UnsafePointer<Float>, dimension d: Int, scoring: Matrix, augment: Bool, moved: [Int32]) {
            let n = labels.count, k = scoring.rows, width = scoring.cols
            precondition(zip(moved, moved.dropFirst()).allSatisfy { $0 < $1 } && (moved.last.map { Int($0) < k } ?? true),
                         "moved centroids ascending, each below \(k)")
            if moved.count * 10 >= k * 9 {
                assignAll(x, dimension: d, scoring: scoring, augment: augment)
                return
            }
            fullWork += n * k
            guard !moved.isEmpty else { return }
            var movedScoring = [Float](repeating: 0, count: moved.count * width)
            var isMoved = [Bool](repeating: false, count: k)
            for (i, j) in moved.enumerated() {
                isMoved[Int(j)] = true
                for c in 0..<width { movedScoring[i * width + c] = scoring[Int(j), c] }
            }
            // Best and runner-up of each row among the moved centroids.
            let (top, first, runnerUp) = KMeans.topTwo(x, dimension: d, rows: n, centroids: movedScoring, count: moved.count, augment: augment)
            scored += n * moved.count
            var again: [Int32] = []
            for i in 0..<n {
                let own = Int(labels[i])
                // No score above -inf (NaN rows) here or at the last step: all of them again.
                guard top[i] >= 0, own >= 0 else { again.append(Int32(i)); continue }
                let challenger = moved[Int(top[i])]
                if !isMoved[own] {
                    if first[i] > best[i] || (first[i] == best[i] && challenger < labels[i]) {
                        others[i] = max(others[i], best[i], runnerUp[i])
                        labels[i] = challenger
                        best[i] = first[i]
                    } else {
                        others[i] = max(others[i], first[i])
                    }
                } else if first[i] > others[i] {
                    labels[i] = challenger
                    best[i] = first[i]
                    others[i] = max(others[i], runnerUp[i])
                } else {
                    again.append(Int32(i))
                }
            }
            guard !again.isEmpty else { return }
            // Rows whose own centroid moved below the bound: every centroid again.
            let m = again.count
            let (label, score, second) = KMeans.topTwo(x, dimension: d, rows: m, picking: again, centroids: scoring.storage, count: k, augment: augment)
            scored += m * k
            for (r, i) in again.enumerated() {
                labels[Int(i)] = label[r]
                best[Int(i)] = score[r]
                others[Int(i)] = second[r]
            }
        }

        /// The centroids of `now` that differ from `before` (same shape) in any coordinate.
        package static func moved(from before: Matrix, to now: Matrix) -> [Int32] {
            precondition(before.rows == now.rows && before.cols == now.cols)
            let d = now.cols
            var moved: [Int32] = []
            for j in 0..<now.rows where before.storage[(j * d)..<((j + 1) * d)] != now.storage[(j * d)..<((j + 1) * d)] {
                moved.append(Int32(j))
            }
            return moved
        }
    }
}
