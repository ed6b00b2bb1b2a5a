// FinetuneCommand: `rag finetune export | upload | create | status | wait`: the original's fine-tuning job flow for a hosted chat model.
import ArgumentParser

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a hosted chat model, as the original did: export a chat fine-tuning file and run the job.",
        discussion: """
        The original's job flow against an OpenAI-compatible API (--base-url, key in $OPENAI_API_KEY or ./.env):
          rag finetune export --csv data/train.csv --out ft.jsonl
          rag finetune upload ft.jsonl                                  prints FILE_ID
          rag finetune create --training-file FILE_ID --model gpt-3.5-turbo --epochs 3   prints JOB_ID
          rag finetune wait JOB_ID                                      prints the fine-tuned model id
        Classifiers trained on this machine (a linear head, the encoder fine-tuned end to end) are `rag train`.
        """,
        subcommands: [FinetuneExportCommand.self, FinetuneUploadCommand.self,
                      FinetuneCreateCommand.self, FinetuneStatusCommand.self, FinetuneWaitCommand.self]
    )
}
