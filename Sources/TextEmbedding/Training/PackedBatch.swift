// PackedBatch: where each sentence's tokens and attention probabilities sit when a batch is packed without padding, and how it is split over threads.
import LinearAlgebra

/// The tokens of all sentences one after another (`tokens` rows of `[tokens x hidden]`
/// matrices), each sentence's `[heads x n x n]` attention probabilities likewise.
struct PackedBatch {
    let sequences: [[Int32]]
    /// Token offset of each sentence, and the total at the end (`count + 1` entries).
    let offsets: [Int]
    /// Offset of each sentence's attention probabilities, and the total at the end.
    let probabilityOffsets: [Int]
    /// Worker tasks (the BLAS thread count, at most 8).
    let threads: Int
    /// Token rows per task, and whole sentences per task (balanced by tokens).
    let rowChunks: [Range<Int>]
    let sentenceChunks: [Range<Int>]
    /// The longest sentence, in tokens.
    let longest: Int

    init(_ sequences: [[Int32]], heads: Int) {
        precondition(!sequences.isEmpty)
        self.sequences = sequences
        var offsets = [0], probabilityOffsets = [0]
        for s in sequences {
            offsets.append(offsets.last! + s.count)
            probabilityOffsets.append(probabilityOffsets.last! + heads * s.count * s.count)
        }
        self.offsets = offsets
        self.probabilityOffsets = probabilityOffsets
        threads = max(1, min(BLASThreads.count, 8))
        rowChunks = BLASThreads.chunks(offsets.last!, parts: threads)
        sentenceChunks = SentenceEncoder.balancedChunks(offsets, parts: threads)
        longest = sequences.map(\.count).max() ?? 0
    }

    var count: Int { sequences.count }
    var tokens: Int { offsets.last! }
    var probabilityCount: Int { probabilityOffsets.last! }
    /// Token rows of sentence `s`.
    func rows(of s: Int) -> Range<Int> { offsets[s]..<offsets[s + 1] }
    /// Token rows of a run of sentences.
    func rows(of sentences: Range<Int>) -> Range<Int> { offsets[sentences.lowerBound]..<offsets[sentences.upperBound] }
}
