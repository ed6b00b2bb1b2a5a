// MetadataValue: one typed metadata value of a row (string, integer, float, boolean), and the column types.
import Foundation

/// A row's value in a metadata column; a missing value is `nil` where one is expected.
public enum MetadataValue: Sendable, Equatable, Hashable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)

    /// The column types, as `--metadata-columns name:type` and the manifest spell them.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case string, integer, float, boolean
    }

    public var kind: Kind {
        switch self {
        case .string: return .string
        case .integer: return .integer
        case .float: return .float
        case .boolean: return .boolean
        }
    }

    /// `text` read as a value of `kind` (integers and floats as Swift reads them, booleans as
    /// true/false in any case); nil when it is not one.
    public init?(parsing text: String, as kind: Kind) {
        switch kind {
        case .string: self = .string(text)
        case .integer:
            guard let v = Int64(text.trimmingCharacters(in: .whitespaces)) else { return nil }
            self = .integer(v)
        case .float:
            guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite else { return nil }
            self = .float(v)
        case .boolean:
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true": self = .boolean(true)
            case "false": self = .boolean(false)
            default: return nil
            }
        }
    }

}

extension MetadataValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .boolean(b) } else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .float(d) } else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .integer(let i): try c.encode(i)
        case .float(let d): try c.encode(d)
        case .boolean(let b): try c.encode(b)
        }
    }
}
