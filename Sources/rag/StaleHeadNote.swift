// StaleHeadNote: before a stored head is used, retrain it when rows changed since its training, and say so on stderr.
import Foundation
import RAG

extension Workspace {
    /// Retrains a stale stored head (rows deleted or replaced after it was trained) on the rows
    /// stored now, saying so; does nothing when the head is current or there is none.
    func retrainStaleHeadSayingSo() throws {
        guard snapshot.headIsStale else { return }
        Terminal.printError("note: rows were deleted or replaced after the stored head was trained; retraining it on the rows stored now")
        if let r = try retrainStaleHead() {
            Terminal.printError(String(format: "retrained the head on %d rows (%d labels, λ %g) in %.1f s; saved in %@",
                                       r.rows, r.labels, r.lambda, r.seconds, location))
        }
    }
}
