// RowFilter: a FilterExpression checked against a store's fields (metadata columns, label, id) and evaluated row by row into a RowMask.

/// A filter ready to run: every field it names exists and every literal has its field's type.
/// `matches(row)` reads the row's values through `value`; `mask(count:)` evaluates every row.
public struct RowFilter: Sendable {
    public let expression: FilterExpression
    private let predicate: @Sendable (Int) -> Bool

    /// `fields`: each field's type (`label` and `id` are strings); `value(field, row)` a row's
    /// value of a field, nil when missing.
    public init(_ expression: FilterExpression, fields: [String: MetadataValue.Kind],
                value: @escaping @Sendable (String, Int) -> MetadataValue?) throws {
        self.expression = expression
        predicate = try Self.compile(expression, fields: fields, value: value)
    }

    public func matches(_ row: Int) -> Bool { predicate(row) }

    /// Rows `0 ..< count` that match.
    public func mask(count: Int) -> RowMask {
        var mask = RowMask(count: count, allSet: false)
        for i in 0..<count where predicate(i) { mask.insert(i) }
        return mask
    }

    private static func compile(_ e: FilterExpression, fields: [String: MetadataValue.Kind],
                                value: @escaping @Sendable (String, Int) -> MetadataValue?) throws -> @Sendable (Int) -> Bool {
        func kind(_ field: String) throws -> MetadataValue.Kind {
            guard let k = fields[field] else { throw FilterError.unknownField(name: field, available: fields.keys.sorted()) }
            return k
        }
        switch e {
        case .compare(let field, let op, let literal):
            let k = try kind(field)
            let target = try typed(literal, for: field, kind: k)
            if k == .boolean, ![.equal, .notEqual].contains(op) {
                throw FilterError.typeMismatch(field: field, fieldType: k.rawValue, literal: "`\(op.rawValue)` (booleans take = and !=)")
            }
            return { row in
                guard let v = value(field, row), let order = compare(v, target) else { return false }
                switch op {
                case .equal: return order == 0
                case .notEqual: return order != 0
                case .less: return order < 0
                case .lessOrEqual: return order <= 0
                case .greater: return order > 0
                case .greaterOrEqual: return order >= 0
                }
            }
        case .member(let field, let literals):
            let k = try kind(field)
            let targets = try literals.map { try typed($0, for: field, kind: k) }
            return { row in
                guard let v = value(field, row) else { return false }
                return targets.contains { compare(v, $0) == 0 }
            }
        case .isNull(let field, let negated):
            _ = try kind(field)
            return { row in (value(field, row) == nil) != negated }
        case .not(let a):
            let f = try compile(a, fields: fields, value: value)
            return { !f($0) }
        case .and(let a, let b):
            let f = try compile(a, fields: fields, value: value), g = try compile(b, fields: fields, value: value)
            return { f($0) && g($0) }
        case .or(let a, let b):
            let f = try compile(a, fields: fields, value: value), g = try compile(b, fields: fields, value: value)
            return { f($0) || g($0) }
        }
    }

    /// The literal as a value comparable with the field's (numbers with integers and floats alike).
    private static func typed(_ literal: FilterExpression.Literal, for field: String, kind: MetadataValue.Kind) throws -> MetadataValue {
        switch (literal, kind) {
        case (.string(let s), .string): return .string(s)
        case (.number(_, let i?), .integer): return .integer(i)
        case (.number(let d, _), .integer), (.number(let d, _), .float): return .float(d)
        case (.boolean(let b), .boolean): return .boolean(b)
        default: throw FilterError.typeMismatch(field: field, fieldType: kind.rawValue, literal: literal.description)
        }
    }

    /// -1, 0, 1 as `a` is below, equal to or above `b`; nil for values that do not compare.
    private static func compare(_ a: MetadataValue, _ b: MetadataValue) -> Int? {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x < y ? -1 : x == y ? 0 : 1
        case (.integer(let x), .integer(let y)): return x < y ? -1 : x == y ? 0 : 1
        case (.boolean(let x), .boolean(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.integer(let x), .float(let y)): return compareDoubles(Double(x), y)
        case (.float(let x), .integer(let y)): return compareDoubles(x, Double(y))
        case (.float(let x), .float(let y)): return compareDoubles(x, y)
        default: return nil
        }
    }

    private static func compareDoubles(_ x: Double, _ y: Double) -> Int? {
        x < y ? -1 : x == y ? 0 : x > y ? 1 : nil
    }
}
