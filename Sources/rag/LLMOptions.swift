// LLMOptions: how `rag classify --method llm` and `rag compare --llm-model` ask the model (constrained output, concurrency, answer length).
import ArgumentParser
import RAG
import RAGLLM

struct LLMOptions: ParsableArguments {
    @OptionGroup var api: APIOptions

    @Flag(help: "Constrain the answer to the categories (response_format json_schema: {\"label\": one of them}).")
    var constrained = false

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 1

    @Option(help: "max_tokens of each answer (40 or more with --constrained).")
    var maxTokens: Int = 40

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
    }

    func classifier(client: OpenAIClient, model: String, builder: PromptBuilder, rag: Bool) -> LLMClassifier {
        LLMClassifier(client: client, model: model, builder: builder, constrained: constrained, maxTokens: maxTokens,
                      retry: api.retry, method: Self.methodName(model: model, rag: rag))
    }

    /// `llm-rag:MODEL` or `llm:MODEL`, the predictions' `method`.
    static func methodName(model: String, rag: Bool) -> String { "llm\(rag ? "-rag" : ""):\(model)" }
}
