// ModelListCommand: `rag model list`: every folder searched for each known model, which hold one, what each is (architecture, dimension, pooling, prompts, identifier), which is used.
import ArgumentParser
import Foundation
import TextEmbedding

struct ModelListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show each model found (all-MiniLM-L6-v2, all-mpnet-base-v2), where, what it is, and the one in use by default (marked *)."
    )

    @Option(help: "Look only in this folder.")
    var modelDir: String?

    @Flag(help: "Also show the folders searched that hold no model.")
    var all = false

    @Flag(help: "One JSON object per line: name, path, source, in_use, and for a model architecture, dimension, pooling, normalize, max_seq_length, prompts, identifier (null when the folder holds none or is refused, with error).")
    var json = false

    func run() throws {
        let inUse = EncoderLoader.find(modelDir: modelDir)
        let names = modelDir == nil ? ModelPackage.all.map(\.name) : [MiniLM.folderName]
        var found = 0
        for name in names {
            for location in EncoderLoader.locations(modelDir: modelDir, name: name) {
                let present = FileManager.default.fileExists(atPath: location.url.appendingPathComponent("model.safetensors").path)
                guard present || all else { continue }
                if present { found += 1 }
                let used = inUse?.url == location.url
                let described = present ? Result { try ModelDescription(reading: location.url) } : nil
                if json {
                    print(try jsonLine(name: name, location: location, used: used, described: described))
                } else {
                    let what: String
                    switch described {
                    case .success(let d)?:
                        let prompts = d.folder.prompts == .none ? "" : ", prompts"
                        what = "\(d.architecture) \(d.layers)x\(d.hidden), \(d.dimension) dims, \(d.folder.pooling.map(\.rawValue).joined(separator: "+")) pooling\(d.folder.normalizes ? "" : ", not normalised")\(prompts), \(d.identifier)"
                    case .failure(let error)?: what = "refused: \(error.localizedDescription)"
                    case nil: what = "no model"
                    }
                    print("\(used ? "*" : " ") \(location.url.path)  [\(location.source)]  \(what)")
                }
            }
        }
        if found == 0 && !json {
            Terminal.printError("no model found; `rag model install` puts all-MiniLM-L6-v2 in \(EncoderLoader.userModelsFolder().path)")
            throw ExitCode(1)
        }
    }

    func jsonLine(name: String, location: EncoderLoader.Location, used: Bool, described: Result<ModelDescription, Error>?) throws -> String {
        var object: [String: Any] = ["name": name, "path": location.url.path, "source": location.source, "in_use": used]
        for key in ["architecture", "dimension", "pooling", "normalize", "max_seq_length", "prompts", "identifier"] { object[key] = NSNull() }
        switch described {
        case .success(let d)?:
            object["architecture"] = d.architecture
            object["dimension"] = d.dimension
            object["pooling"] = d.folder.pooling.map(\.rawValue)
            object["normalize"] = d.folder.normalizes
            object["max_seq_length"] = d.folder.maxSequenceLength
            object["prompts"] = ["query": d.folder.prompts.query, "document": d.folder.prompts.document, "plain": d.folder.prompts.plain]
            object["identifier"] = d.identifier
        case .failure(let error)?:
            object["error"] = error.localizedDescription
        case nil:
            break
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
