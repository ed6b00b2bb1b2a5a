// FineTunedModelFolder: writes a fine-tuned encoder as a sentence-transformers folder with its head, swapped in whole.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The output of `EncoderFineTuner`: the base model's folder (config.json, vocab.txt, tokenizer
/// and sentence-transformers files, pooling config) with a new model.safetensors, plus
/// `head.safetensors` (the softmax head, its labels in the metadata) and `training.json`.
/// Everything is written into a temporary sibling folder, fsynced, then swapped with the old
/// output in one rename (RENAME_EXCHANGE), so the previous model stays whole until the new one is.
enum FineTunedModelFolder {
    static func write(_ parameters: EncoderParameters, labels: [String], report: EncoderFineTuner.Report,
                      baseModel: URL, baseFile: SafeTensors, to output: URL) throws {
        let fm = FileManager.default
        let parent = output.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let tmp = parent.appendingPathComponent(".\(output.lastPathComponent).tmp-\(getpid())")
        try? fm.removeItem(at: tmp)
        do {
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            // Every base file but the weights (sentence-transformers' modules, pooling, tokenizer).
            for name in try fm.contentsOfDirectory(atPath: baseModel.path)
            where name != "model.safetensors" && name != "README.md" && !name.hasPrefix(".") {
                try fm.copyItem(at: baseModel.appendingPathComponent(name), to: tmp.appendingPathComponent(name))
            }
            var entries = parameters.encoderTensorsForSaving().map { SafeTensorsWriter.Entry(name: $0.name, shape: $0.shape, floats: $0.values) }
            // Tensors training does not touch (the pooler, position ids) travel unchanged.
            let written = Set(entries.map(\.name))
            for (name, info) in baseFile.tensors.sorted(by: { $0.key < $1.key }) where !written.contains(name) {
                if let bytes = baseFile.rawBytes(name) { entries.append(.init(name: name, dtype: info.dtype, shape: info.shape, bytes: bytes)) }
            }
            try SafeTensorsWriter.write(entries, metadata: ["format": "pt"], to: tmp.appendingPathComponent("model.safetensors"))
            let h = parameters.config.hiddenSize, c = parameters.classes
            let labelsJSON = String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
            try SafeTensorsWriter.write([
                .init(name: EncoderParameters.headWeightName, shape: [c, h],
                      floats: UnsafeBufferPointer(start: parameters.values + parameters.headWeight, count: c * h)),
                .init(name: EncoderParameters.headBiasName, shape: [c],
                      floats: UnsafeBufferPointer(start: parameters.values + parameters.headBias, count: c)),
            ], metadata: ["labels": labelsJSON, "pooling": FineTunedHead.pooling(normalised: report.recipe.objective == .contrastive)], to: tmp.appendingPathComponent(EncoderFineTuner.headFileName))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: tmp.appendingPathComponent(EncoderFineTuner.reportFileName), options: .atomic)
            try swapIntoPlace(tmp, output)
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
    }

    /// Puts `new` at `output`: an atomic exchange when `output` exists (the old one then removed),
    /// a rename when it does not.
    static func swapIntoPlace(_ new: URL, _ output: URL) throws {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: output.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw EmbeddingError.unwritable(path: output.path, reason: "exists and is not a folder")
            }
            guard exchange(new.path, output.path) == 0 else {
                throw EmbeddingError.unwritable(path: output.path, reason: "rename: " + String(cString: strerror(errno)))
            }
            try? fm.removeItem(at: new)   // now the old model
        } else {
            guard rename(new.path, output.path) == 0 else {
                throw EmbeddingError.unwritable(path: output.path, reason: "rename: " + String(cString: strerror(errno)))
            }
        }
        let fd = open(output.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    /// glibc's renameat2(…, RENAME_EXCHANGE) (Swift's Glibc module does not declare it): swaps two paths atomically.
    static func exchange(_ a: String, _ b: String) -> Int32 {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = dlsym(nil, "renameat2") else { errno = ENOSYS; return -1 }
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 1 << 1
        return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange)
    }
}
