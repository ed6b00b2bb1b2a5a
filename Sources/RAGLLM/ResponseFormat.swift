// ResponseFormat: structured output, a JSON object whose `label` is one of the categories (OpenAI and llama-server alike).

/// `{"type":"json_schema","json_schema":{"name":…,"strict":true,"schema":{…}}}`. An object with an
/// enum property, not a bare enum string: small models copy a label after `{"label": "` far
/// better than when the first token is forced (measured in ../shared/llm/NOTES.md §5.3).
public struct ResponseFormat: Encodable, Sendable, Equatable {
    public var name: String
    /// The allowed values of `label`.
    public var labels: [String]

    public static func label(oneOf labels: [String]) -> ResponseFormat {
        ResponseFormat(name: "classification", labels: labels)
    }

    struct Schema: Encodable {
        struct Property: Encodable { var type = "string"; var `enum`: [String] }
        var type = "object"
        var properties: [String: Property]
        var required = ["label"]
        var additionalProperties = false
    }
    struct JSONSchema: Encodable { var name: String; var strict = true; var schema: Schema }

    enum CodingKeys: String, CodingKey { case type, jsonSchema = "json_schema" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("json_schema", forKey: .type)
        try c.encode(JSONSchema(name: name, schema: Schema(properties: ["label": .init(enum: labels)])), forKey: .jsonSchema)
    }
}
