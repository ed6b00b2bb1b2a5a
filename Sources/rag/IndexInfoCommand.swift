// IndexInfoCommand: `rag index info`: what an index holds (embedder, shape, parts, files, sizes).
import ArgumentParser
import Foundation
import VectorSearch

struct IndexInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Describe the index: embedder, dimension, rows, parts, files.")

    @OptionGroup var index: IndexOptions

    @Flag(help: "Print the manifest as JSON.")
    var json = false

    func run() throws {
        if let remote = index.remote {
            let lines = try RemoteStores.open(remote).describe()
            if json {
                let object = Dictionary(lines.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
            } else {
                for line in lines { print(line.name.padding(toLength: 10, withPad: " ", startingAt: 0) + line.value) }
            }
            return
        }
        let store = try index.open()
        let m = store.manifest
        if json {
            print(String(decoding: try m.encoded(), as: UTF8.self))
            return
        }
        let bytes = m.files.values.reduce(0) { $0 + $1.bytes }
        print("index     \(index.path) (format \(m.format) v\(m.version), generation \(m.generation))")
        print("created   \(m.created)")
        print("embedder  \(m.embedder)")
        print("vectors   \(m.count) x \(m.dimension), metric \(m.metric)")
        print("labels    \(store.documents.labels.count)")
        print("parts     \(m.kinds.joined(separator: ", "))")
        for (key, value) in m.settings.sorted(by: { $0.key < $1.key }) { print("setting   \(key) = \(value)") }
        for s in m.sources { print("source    \(s.csv) (text: \(s.textColumn), label: \(s.labelColumn ?? "-"))") }
        for (role, f) in m.files.sorted(by: { $0.key < $1.key }) {
            print("file      \(f.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(String(f.bytes).leftPad(12)) bytes  \(role)")
        }
        print("total     \(bytes) bytes")
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
