// PromptBuilder: the original experiment's chat messages: a system prompt listing every category, the retrieved rows and the input.

/// Builds the messages sent for one text. The system prompt depends only on the categories, so it
/// is byte-identical for every row and servers can cache it.
public struct PromptBuilder: Sendable {
    /// The categories in a stable order (Unicode code point order of their UTF-8 bytes).
    public let categories: [String]
    public var systemTemplate: PromptTemplate
    public var ragUserTemplate: PromptTemplate
    public var plainUserTemplate: PromptTemplate

    public static let defaultSystem = """
        You are an agent specialised in text classification. Along with the input text, you receive \
        the top 10 documents retrieved by a RAG model, each with its category. Classify the input text \
        into exactly one of the categories below and answer with the category name only, written \
        exactly as listed.

        Categories:
        {{categories}}
        """
    public static let defaultRAGUser = """
        Retrieved documents:
        {{documents}}

        Input text: {{text}}
        Category:
        """
    public static let defaultPlainUser = """
        Input text: {{text}}
        Category:
        """

    public init(categories: some Sequence<String>, systemTemplate: PromptTemplate? = nil,
                ragUserTemplate: PromptTemplate? = nil, plainUserTemplate: PromptTemplate? = nil) {
        self.categories = LabelOrder.sorted(Set(categories))
        // The defaults are constants known to parse.
        self.systemTemplate = systemTemplate ?? (try! PromptTemplate(Self.defaultSystem))
        self.ragUserTemplate = ragUserTemplate ?? (try! PromptTemplate(Self.defaultRAGUser))
        self.plainUserTemplate = plainUserTemplate ?? (try! PromptTemplate(Self.defaultPlainUser))
    }

    /// The system message: the same bytes for every row.
    public var systemPrompt: String {
        systemTemplate.render([.categories: categories.map { "- \($0)" }.joined(separator: "\n")])
    }

    /// Retrieved rows as numbered lines: `1. [label] text`.
    public static func documentsBlock(_ neighbours: [Neighbour]) -> String {
        neighbours.map { n in
            let text = n.document.text.replacingOccurrences(of: "\n", with: " ")
            return "\(n.rank). [\(n.document.label ?? "unlabelled")] \(text)"
        }.joined(separator: "\n")
    }

    /// The messages for `text`: with `neighbours` the RAG variant, without them the plain one.
    public func messages(for text: String, neighbours: [Neighbour]?) -> [ChatMessage] {
        let user: String
        if let neighbours {
            user = ragUserTemplate.render([.documents: Self.documentsBlock(neighbours), .text: text,
                                           .categories: categories.joined(separator: ", ")])
        } else {
            user = plainUserTemplate.render([.text: text, .categories: categories.joined(separator: ", ")])
        }
        return [ChatMessage(role: .system, content: systemPrompt), ChatMessage(role: .user, content: user)]
    }
}
