// FilterExpression: the filter language of --where and "filter" (comparisons, in, is null, and/or/not, parentheses), parsed.

/// `bucket < 3 and src = "a"`, `label in ["card_arrival", "card_linking"]`, `not (lang = "de" or
/// id = "T-7")`, `note is null`: comparisons of a field (a metadata column, `label` or `id`) with a
/// literal (a double-quoted string with `\"` and `\\`, a number, `true`, `false`). `not` binds
/// tightest, then `and`, then `or`; keywords are lower case. A row whose value is missing (null)
/// matches no comparison and no `in`; `is null` and `is not null` test for it.
public indirect enum FilterExpression: Sendable, Equatable {
    case compare(field: String, op: Comparison, literal: Literal)
    case member(field: String, literals: [Literal])
    case isNull(field: String, negated: Bool)
    case not(FilterExpression)
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)

    public enum Comparison: String, Sendable, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    }

    public enum Literal: Sendable, Equatable {
        case string(String)
        case number(Double, integer: Int64?)
        case boolean(Bool)

        var description: String {
            switch self {
            case .string(let s): return "the string \"\(s)\""
            case .number(let d, let i): return "the number \(i.map(String.init) ?? String(d))"
            case .boolean(let b): return "\(b)"
            }
        }
    }

    /// The fields the expression names, in order of first appearance.
    public var fields: [String] {
        var out: [String] = []
        func visit(_ e: FilterExpression) {
            switch e {
            case .compare(let f, _, _), .member(let f, _), .isNull(let f, _): if !out.contains(f) { out.append(f) }
            case .not(let a): visit(a)
            case .and(let a, let b), .or(let a, let b): visit(a); visit(b)
            }
        }
        visit(self)
        return out
    }

    /// Parses `text`; `FilterError.syntax` names what was expected and where.
    public init(parsing text: String) throws {
        var parser = Parser(text: text)
        self = try parser.parseAll()
    }

    /// A recursive-descent parser over the characters of the expression (nesting bounded, so a
    /// deep input throws rather than exhausting the stack).
    struct Parser {
        let text: String
        let chars: [Character]
        var i = 0
        var depth = 0
        static let maxDepth = 64

        init(text: String) {
            self.text = text
            chars = Array(text)
        }

        func fail(_ expected: String) -> FilterError { .syntax(expression: text, offset: i, expected: expected) }

        mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

        mutating func parseAll() throws -> FilterExpression {
            let e = try parseOr()
            skipSpace()
            guard i == chars.count else { throw fail("`and`, `or` or the end") }
            return e
        }

        /// A keyword (`and`, `or`, ...) as a whole word at the cursor, consumed when present.
        mutating func keyword(_ word: String) -> Bool {
            skipSpace()
            let w = Array(word)
            guard i + w.count <= chars.count, Array(chars[i..<(i + w.count)]) == w else { return false }
            if i + w.count < chars.count, Self.isFieldCharacter(chars[i + w.count]) { return false }
            i += w.count
            return true
        }

        static func isFieldCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "." || c == "-" }

        mutating func parseOr() throws -> FilterExpression {
            var e = try parseAnd()
            while keyword("or") { e = .or(e, try parseAnd()) }
            return e
        }

        mutating func parseAnd() throws -> FilterExpression {
            var e = try parseNot()
            while keyword("and") { e = .and(e, try parseNot()) }
            return e
        }

        mutating func parseNot() throws -> FilterExpression {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw fail("fewer than \(Self.maxDepth) levels of nesting") }
            if keyword("not") { return .not(try parseNot()) }
            skipSpace()
            if i < chars.count, chars[i] == "(" {
                i += 1
                let e = try parseOr()
                skipSpace()
                guard i < chars.count, chars[i] == ")" else { throw fail("`)`") }
                i += 1
                return e
            }
            return try parseCondition()
        }

        mutating func parseCondition() throws -> FilterExpression {
            skipSpace()
            let start = i
            while i < chars.count, Self.isFieldCharacter(chars[i]) { i += 1 }
            guard i > start, !chars[start].isNumber, chars[start] != "-" else { i = start; throw fail("a field name") }
            let field = String(chars[start..<i])
            if keyword("in") {
                skipSpace()
                guard i < chars.count, chars[i] == "[" else { throw fail("`[` after `in`") }
                i += 1
                var literals: [Literal] = []
                skipSpace()
                if i < chars.count, chars[i] == "]" { i += 1; return .member(field: field, literals: []) }
                while true {
                    literals.append(try parseLiteral())
                    skipSpace()
                    guard i < chars.count else { throw fail("`,` or `]`") }
                    if chars[i] == "]" { i += 1; break }
                    guard chars[i] == "," else { throw fail("`,` or `]`") }
                    i += 1
                }
                return .member(field: field, literals: literals)
            }
            if keyword("is") {
                let negated = keyword("not")
                guard keyword("null") else { throw fail("`null` after `is`") }
                return .isNull(field: field, negated: negated)
            }
            skipSpace()
            var op: Comparison?
            for candidate in [Comparison.lessOrEqual, .greaterOrEqual, .notEqual, .equal, .less, .greater] {
                let s = Array(candidate.rawValue)
                if i + s.count <= chars.count, Array(chars[i..<(i + s.count)]) == s { op = candidate; i += s.count; break }
            }
            guard let op else { throw fail("a comparison (=, !=, <, <=, >, >=), `in` or `is`") }
            return .compare(field: field, op: op, literal: try parseLiteral())
        }

        mutating func parseLiteral() throws -> Literal {
            skipSpace()
            guard i < chars.count else { throw fail("a value (a \"string\", a number, true or false)") }
            if chars[i] == "\"" {
                i += 1
                var s = ""
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\" {
                        i += 1
                        guard i < chars.count, chars[i] == "\"" || chars[i] == "\\" else { throw fail("`\\\"` or `\\\\` in a string") }
                    }
                    s.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { throw fail("the closing `\"` of the string") }
                i += 1
                return .string(s)
            }
            if keyword("true") { return .boolean(true) }
            if keyword("false") { return .boolean(false) }
            let start = i
            while i < chars.count, chars[i].isNumber || "+-.eE".contains(chars[i]) { i += 1 }
            let token = String(chars[start..<i])
            guard !token.isEmpty, let d = Double(token), d.isFinite else {
                i = start
                throw fail("a value (a \"string\", a number, true or false)")
            }
            return .number(d, integer: Int64(token))
        }
    }
}
