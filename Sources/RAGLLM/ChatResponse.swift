// ChatResponse: the parts of a chat completion the classifier reads (first choice's content, token usage, cache hits).

public struct ChatResponse: Decodable, Sendable, Equatable {
    public struct Choice: Decodable, Sendable, Equatable {
        public struct Message: Decodable, Sendable, Equatable {
            public var content: String?
        }
        public var message: Message
        public var finishReason: String?

        enum CodingKeys: String, CodingKey { case message, finishReason = "finish_reason" }
    }

    public struct Usage: Decodable, Sendable, Equatable {
        public struct PromptDetails: Decodable, Sendable, Equatable {
            public var cachedTokens: Int?
            enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
        }
        public var promptTokens: Int
        public var completionTokens: Int
        public var promptTokensDetails: PromptDetails?

        /// Prompt tokens served from the server's prompt cache (OpenAI and llama-server both report it).
        public var cachedTokens: Int { promptTokensDetails?.cachedTokens ?? 0 }

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
            case promptTokensDetails = "prompt_tokens_details"
        }
    }

    public var model: String?
    public var choices: [Choice]
    public var usage: Usage?

    /// The first choice's text, the answer.
    public var content: String? { choices.first?.message.content }
}
