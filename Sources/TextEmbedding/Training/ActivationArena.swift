// ActivationArena: the training pass's buffers, handed out in request order and kept from one batch to the next.

/// Buffers for a run, handed out in request order and kept for the next run, which makes the
/// same requests (a larger request replaces the block): a step does not fault in fresh pages for
/// ~100 MB of activations.
final class ActivationArena: @unchecked Sendable {
    // Used by one run at a time.
    private var blocks: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    private var next = 0

    func rewind() { next = 0 }

    func take(_ n: Int) -> UnsafeMutablePointer<Float> {
        let need = max(1, n)
        defer { next += 1 }
        if next < blocks.count {
            if blocks[next].capacity >= need { return blocks[next].pointer }
            blocks[next].pointer.deallocate()
            blocks[next] = (.allocate(capacity: need), need)
            return blocks[next].pointer
        }
        blocks.append((.allocate(capacity: need), need))
        return blocks[next].pointer
    }

    deinit { for b in blocks { b.pointer.deallocate() } }
}
