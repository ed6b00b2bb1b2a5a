// FinetuneCommand: `rag finetune local | export | upload | create | status | wait`: the offline head, or the chat fine-tuning job flow.
import ArgumentParser

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Train a classifier head locally, or export a chat fine-tuning file and run the fine-tuning job.",
        discussion: """
        The original's job flow against an OpenAI-compatible API (--base-url, key in $OPENAI_API_KEY or ./.env):
          rag finetune export --csv data/train.csv --out ft.jsonl
          rag finetune upload ft.jsonl                                  prints FILE_ID
          rag finetune create --training-file FILE_ID --model gpt-3.5-turbo --epochs 3   prints JOB_ID
          rag finetune wait JOB_ID                                      prints the fine-tuned model id
        """,
        subcommands: [FinetuneLocalCommand.self, FinetuneExportCommand.self, FinetuneUploadCommand.self,
                      FinetuneCreateCommand.self, FinetuneStatusCommand.self, FinetuneWaitCommand.self]
    )
}
