// CodeStorage: the 8-bit codes of a compressed scan, row-major, mapped or owned (a RowStorage of bytes).

/// Row-major `[count x dimension]` 8-bit codes (`ScalarQuantizer`'s), one block per segment.
public typealias CodeStorage = RowStorage<UInt8>
