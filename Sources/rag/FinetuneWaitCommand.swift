// FinetuneWaitCommand: `rag finetune wait JOB_ID`: poll until the job succeeds or fails; print the fine-tuned model id.
import ArgumentParser
import RAGLLM

struct FinetuneWaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Poll a fine-tuning job until it ends; prints the fine-tuned model id (status changes go to stderr).",
        discussion: "Then: rag classify --csv data/test.csv --method llm --model MODEL_ID --no-rag --out ft.jsonl"
    )

    @Argument(help: "Job id from `rag finetune create`.")
    var job: String

    @Option(help: "Seconds between polls.")
    var interval: Double = 30

    @Option(help: "Give up after this many seconds (default: wait as long as it takes).")
    var maxWait: Double?

    @OptionGroup var api: APIOptions

    func validate() throws {
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
    }

    func run() async throws {
        let done = try await api.withClient { client in
            try await client.waitForFineTuningJob(id: job, interval: interval, limit: maxWait, retry: api.retry) {
                Terminal.printError("job \($0.id): \($0.status)" + ($0.trainedTokens.map { " (\($0) trained tokens)" } ?? ""))
            }
        }
        print(done.fineTunedModel ?? "")
        Terminal.printError("fine-tuned model: \(done.fineTunedModel ?? "(none reported)")")
    }
}
