// ModelCommand: `rag model list | install | verify`: where the model is, installing it, checking its files.
import ArgumentParser

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Find, install and check the all-MiniLM-L6-v2 model.",
        discussion: """
        The model is looked for in --model-dir, then $LOCALRAG_MODEL_DIR, then ./models/all-MiniLM-L6-v2,
        then the user data folder ($XDG_DATA_HOME/localrag/models, else ~/.local/share/localrag/models),
        then beside the binary (PREFIX/share/localrag/models); the first folder holding model.safetensors is used.
        """,
        subcommands: [ModelListCommand.self, ModelInstallCommand.self, ModelVerifyCommand.self]
    )
}
