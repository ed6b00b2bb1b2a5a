// LabelOrder: the one order labels are listed in (code point order, as Python's sorted() gives).

public enum LabelOrder {
    /// Sorts by UTF-8 bytes, which is Unicode code point order; Swift's `<` on String would use
    /// canonical equivalence and could merge or reorder labels that Python keeps apart.
    public static func sorted(_ labels: some Sequence<String>) -> [String] {
        labels.map { (Array($0.utf8), $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map(\.1)
    }
}
