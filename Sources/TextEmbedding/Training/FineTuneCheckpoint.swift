// FineTuneCheckpoint: a fine-tuning run's state after each finished epoch (weights, AdamW moments, history), for --resume.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A folder beside the output (`NAME.checkpoint/`) holding `state.safetensors` (parameters and
/// both AdamW moments, with the step, history and a fingerprint of data and recipe in its
/// metadata) and `best.safetensors` (the best epoch's parameters). Each file is written under a
/// temporary name, fsynced and renamed, so a kill leaves the previous epoch's state whole.
struct FineTuneCheckpoint {
    struct State: Codable {
        var fingerprint: String
        var step: Int
        var history: [EncoderFineTuner.EpochSummary]
        var bestEpoch: Int
        var bestAccuracy: Double
    }

    let folder: URL
    let fingerprint: String
    var stateURL: URL { folder.appendingPathComponent("state.safetensors") }
    var bestURL: URL { folder.appendingPathComponent("best.safetensors") }

    /// Removes the checkpoint (a fresh start, or a finished run).
    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Loads the saved state into `parameters` and `optimizer`; nil when there is none.
    func restore(parameters: EncoderParameters, optimizer: inout AdamW) throws -> State? {
        guard FileManager.default.fileExists(atPath: stateURL.path) else { return nil }
        let file = try SafeTensors(url: stateURL)
        guard let json = file.metadata["state"], let state = try? JSONDecoder().decode(State.self, from: Data(json.utf8)) else {
            throw FineTuneError.resumeMismatch(path: folder.path, reason: "its state has no readable metadata")
        }
        guard state.fingerprint == fingerprint else {
            throw FineTuneError.resumeMismatch(path: folder.path, reason: "it was made with other training rows, labels, base model or settings")
        }
        for (name, target) in [("parameters", parameters), ("adam.m", optimizer.firstMoment), ("adam.v", optimizer.secondMoment)] {
            let src = try file.floats(name, shape: [target.count])
            target.values.update(from: src.baseAddress!, count: target.count)
        }
        optimizer.step = state.step
        return state
    }

    func save(parameters: EncoderParameters, optimizer: AdamW, history: [EncoderFineTuner.EpochSummary],
              bestEpoch: Int, bestAccuracy: Double, isBest: Bool) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if isBest {
            try Self.writeAtomically(to: bestURL, [.init(name: "parameters", shape: [parameters.count],
                                                          floats: UnsafeBufferPointer(start: parameters.values, count: parameters.count))])
        }
        let state = State(fingerprint: fingerprint, step: optimizer.step, history: history, bestEpoch: bestEpoch, bestAccuracy: bestAccuracy)
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try Self.writeAtomically(to: stateURL, [
            .init(name: "parameters", shape: [parameters.count], floats: UnsafeBufferPointer(start: parameters.values, count: parameters.count)),
            .init(name: "adam.m", shape: [parameters.count], floats: UnsafeBufferPointer(start: optimizer.firstMoment.values, count: parameters.count)),
            .init(name: "adam.v", shape: [parameters.count], floats: UnsafeBufferPointer(start: optimizer.secondMoment.values, count: parameters.count)),
        ], metadata: ["state": json])
    }

    /// Puts the best epoch's saved parameters into `parameters` (in place: no second copy is held);
    /// false when none were saved.
    func restoreBest(into parameters: EncoderParameters) throws -> Bool {
        guard FileManager.default.fileExists(atPath: bestURL.path) else { return false }
        let file = try SafeTensors(url: bestURL)
        let src = try file.floats("parameters", shape: [parameters.count])
        parameters.values.update(from: src.baseAddress!, count: parameters.count)
        return true
    }

    static func writeAtomically(to url: URL, _ entries: [SafeTensorsWriter.Entry], metadata: [String: String] = [:]) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try SafeTensorsWriter.write(entries, metadata: metadata, to: tmp)
            guard rename(tmp.path, url.path) == 0 else {
                throw EmbeddingError.unwritable(path: url.path, reason: "rename: " + String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }
}
