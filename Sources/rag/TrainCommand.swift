// TrainCommand: `rag train head | encoder`: the classifiers trained on this machine (a linear head on frozen embeddings, or the encoder fine-tuned end to end).
import ArgumentParser

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier here: a linear head on the frozen embeddings, or the encoder itself end to end.",
        discussion: """
          rag train head      a linear head on the index's vectors, saved in the
                              index (then `rag classify --method head`)
          rag train encoder   fine-tune all-MiniLM-L6-v2 with a softmax head into
                              models/all-MiniLM-L6-v2-finetuned (then
                              `rag index build --model-dir ...` and
                              `rag classify --method finetuned`)
        A hosted chat model's fine-tuning job is `rag finetune`.
        """,
        subcommands: [TrainHeadCommand.self, TrainEncoderCommand.self]
    )
}
