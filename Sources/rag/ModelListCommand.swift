// ModelListCommand: `rag model list`: every folder searched for the model, which hold one, their identifiers, which is used.
import ArgumentParser
import Foundation
import TextEmbedding
import Checksum

struct ModelListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show each model found, where, its identifier, and the one in use (marked *)."
    )

    @Option(help: "Look only in this folder.")
    var modelDir: String?

    @Flag(help: "Also show the folders searched that hold no model.")
    var all = false

    @Flag(help: "One JSON object per line: path, source, identifier (null when absent), in_use.")
    var json = false

    func run() throws {
        let inUse = MiniLMLoader.find(modelDir: modelDir)
        var found = 0
        for location in MiniLMLoader.locations(modelDir: modelDir) {
            let weights = location.url.appendingPathComponent("model.safetensors")
            let present = FileManager.default.fileExists(atPath: weights.path)
            guard present || all else { continue }
            if present { found += 1 }
            let identifier = present ? SHA256Hasher.hex(ofFile: weights).map(MiniLMLoader.identifier(sha256:)) : nil
            let used = inUse?.url == location.url
            if json {
                let object: [String: Any] = ["path": location.url.path, "source": location.source,
                                             "identifier": identifier ?? NSNull(), "in_use": used]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("\(used ? "*" : " ") \(location.url.path)  [\(location.source)]  \(identifier ?? (present ? "unreadable" : "no model"))")
            }
        }
        if found == 0 && !json {
            Terminal.printError("no model found; `rag model install` puts all-MiniLM-L6-v2 in \(MiniLMLoader.userModelsFolder().path)")
            throw ExitCode(1)
        }
    }
}
