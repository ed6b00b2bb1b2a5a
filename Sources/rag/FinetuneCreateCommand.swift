// FinetuneCreateCommand: `rag finetune create --training-file ID --model M`: start a fine-tuning job (epochs, suffix), print its id.
import ArgumentParser
import RAGLLM

struct FinetuneCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a fine-tuning job from an uploaded file; prints the job id.",
        discussion: "Next: rag finetune wait JOB_ID (prints the fine-tuned model id when it succeeds)."
    )

    @Option(help: "File id from `rag finetune upload`.")
    var trainingFile: String

    @Option(help: "Base model to fine-tune.")
    var model: String = "gpt-3.5-turbo"

    @Option(help: "Epochs (n_epochs); default: the server's choice.")
    var epochs: Int?

    @Option(help: "Suffix of the fine-tuned model's name (up to 18 characters).")
    var suffix: String?

    @Flag(help: "Wait for the job to end and print the fine-tuned model id instead of the job id.")
    var wait = false

    @Option(help: "Seconds between status polls with --wait.")
    var interval: Double = 30

    @OptionGroup var api: APIOptions

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let suffix, suffix.count > 18 { throw ValidationError("--suffix has \(suffix.count) characters; at most 18") }
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
    }

    func run() async throws {
        let request = FineTuningJobRequest(trainingFile: trainingFile, model: model, epochs: epochs, suffix: suffix)
        try await api.withClient { client in
            // Creating is not idempotent: a retry after a lost answer or a 5xx could start a second
            // job, so only a 429 (refused before anything was done) is retried.
            let job = try await api.retry.run(retryable: { if case .http(429, _, _, _) = $0 { return true } else { return false } }) {
                try await client.createFineTuningJob(request)
            }
            Terminal.printError("created fine-tuning job \(job.id) (\(job.status)) on \(model)")
            guard wait else { print(job.id); return }
            let done = try await client.waitForFineTuningJob(id: job.id, interval: interval, retry: api.retry) {
                Terminal.printError("job \($0.id): \($0.status)")
            }
            print(done.fineTunedModel ?? "")
        }
    }
}
