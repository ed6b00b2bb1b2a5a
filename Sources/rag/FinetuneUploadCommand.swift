// FinetuneUploadCommand: `rag finetune upload ft.jsonl`: send the export file to the Files API (purpose fine-tune), print its id.
import ArgumentParser
import Foundation
import RAGLLM

struct FinetuneUploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload a chat fine-tuning file (from `rag finetune export`) with purpose fine-tune; prints the file id.",
        discussion: "Next: rag finetune create --training-file FILE_ID --model gpt-3.5-turbo"
    )

    @Argument(help: "The JSON lines file, one {\"messages\":[...]} object per line.")
    var file: String

    @OptionGroup var api: APIOptions

    func run() async throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw LLMError.unreadableFile(path: file, reason: error.localizedDescription)
        }
        try Self.check(data, file: file)
        let uploaded = try await api.withClient { client in
            try await api.retry.run { try await client.uploadFile(data, filename: (file as NSString).lastPathComponent) }
        }
        print(uploaded.id)
        Terminal.printError("uploaded \(file) (\(data.count) bytes) as \(uploaded.id); next: rag finetune create --training-file \(uploaded.id) --model MODEL")
    }

    /// Every line must be an object with a `messages` array: catches the wrong file before it is sent.
    static func check(_ data: Data, file: String) throws {
        var lines = 0
        for (i, line) in data.split(separator: 0x0A).enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  object["messages"] is [Any] else {
                throw ValidationError("\(file):\(i + 1): not a {\"messages\": [...]} line; write the file with `rag finetune export`")
            }
            lines += 1
        }
        guard lines > 0 else { throw ValidationError("\(file): no training examples") }
    }
}
