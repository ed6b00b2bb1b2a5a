// FinetuneStatusCommand: `rag finetune status JOB_ID`: the job's status and, once it succeeded, the model id.
import ArgumentParser
import Foundation
import RAGLLM

struct FinetuneStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print a fine-tuning job's status (and its model id once it succeeded)."
    )

    @Argument(help: "Job id from `rag finetune create`.")
    var job: String

    @Flag(help: "Print the job object as JSON.")
    var json = false

    @OptionGroup var api: APIOptions

    func run() async throws {
        let j = try await api.withClient { client in try await api.retry.run { try await client.fineTuningJob(id: job) } }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(j), as: UTF8.self))
            return
        }
        var line = "\(j.id)  \(j.status)"
        if let m = j.model { line += "  base \(m)" }
        if let ft = j.fineTunedModel { line += "  model \(ft)" }
        if let t = j.trainedTokens { line += "  trained tokens \(t)" }
        if let e = j.error?.message { line += "  error: \(e)" }
        print(line)
    }
}
