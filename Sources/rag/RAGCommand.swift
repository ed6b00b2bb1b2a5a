// RAGCommand: the `rag` command tree; one subcommand per file, each thin: parse, call, print.
import ArgumentParser

struct RAGCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rag",
        abstract: "Local retrieval and classification: embed a labelled CSV, search it, classify with its neighbours.",
        discussion: """
        Typical use:
          rag index build --csv data/train.csv          embed every row and write index/
          rag query "my card has not arrived" -k 10     nearest training rows
          rag query --csv data/test.csv --out n.jsonl   the same for a whole file
        Run `rag help SUBCOMMAND` for each command's options.

        Where things are found:
          model   --model-dir, then $LOCALRAG_MODEL_DIR, then ./models/all-MiniLM-L6-v2, then the user
                  data folder ($XDG_DATA_HOME/localrag/models, else ~/.local/share/localrag/models),
                  then beside the binary (PREFIX/share/localrag/models); `rag model list` shows them.
          index   --index, then $LOCALRAG_INDEX, then ./index.
        OpenBLAS kernels: when OpenBLAS picks kernels far below the CPU (Debian 12's 0.3.21 picks
        Prescott on recent Intel CPUs), rag restarts itself with Haswell (AVX2) or SkylakeX (AVX-512,
        after a self-check) kernels. Set OPENBLAS_CORETYPE yourself to choose; rag never changes it.
        `rag --version` names the CPU and the core in use.
        """,
        version: VersionText.text,
        subcommands: [IndexCommand.self, QueryCommand.self, EmbedCommand.self, PromptCommand.self, ClassifyCommand.self, EvaluateCommand.self, CompareCommand.self, TrainCommand.self, FinetuneCommand.self, SplitCommand.self, ModelCommand.self, ServeCommand.self]
    )
}
