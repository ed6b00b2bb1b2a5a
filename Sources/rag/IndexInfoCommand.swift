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
        // What the store says of itself: an index folder's manifest, a collection's properties.
        let description = try index.store().describe()
        if json {
            print(String(decoding: description.json, as: UTF8.self))
            return
        }
        for line in description.lines { print(line.name.padding(toLength: 10, withPad: " ", startingAt: 0) + line.value) }
    }
}
