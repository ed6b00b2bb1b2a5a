// PromptOptions: the template files a user can put in place of the built-in prompt.
import ArgumentParser
import Foundation
import RAG

struct PromptOptions: ParsableArguments {
    @Option(help: "System prompt template file ({{categories}}).")
    var systemTemplate: String?

    @Option(help: "User message template file for RAG prompts ({{documents}}, {{text}}).")
    var userTemplate: String?

    @Option(help: "User message template file without retrieval ({{text}}).")
    var plainUserTemplate: String?

    func builder(labels: [String]) throws -> PromptBuilder {
        func load(_ path: String?) throws -> PromptTemplate? {
            try path.map { try PromptTemplate.load(URL(fileURLWithPath: $0)) }
        }
        return PromptBuilder(categories: labels, systemTemplate: try load(systemTemplate),
                             ragUserTemplate: try load(userTemplate), plainUserTemplate: try load(plainUserTemplate))
    }
}
