// StoreDescription: what a store says about itself for `rag index info`: ordered lines and a JSON document.
public import Foundation

/// A store's description: `lines` for people (name, value), `json` for jq.
public struct StoreDescription: Sendable {
    public var lines: [(name: String, value: String)]
    public var json: Data

    public init(lines: [(name: String, value: String)], json: Data) {
        self.lines = lines
        self.json = json
    }
}
