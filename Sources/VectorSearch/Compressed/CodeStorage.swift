// CodeStorage: the codes of a compressed scan, row-major bytes, mapped or owned (a RowStorage of bytes).

/// Row-major codes (`CodeFormat`'s), one block per segment: its `dimension` is a row's bytes
/// (the vectors' dimension times the format's bytes a dimension).
public typealias CodeStorage = RowStorage<UInt8>
