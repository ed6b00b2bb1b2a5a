// Repository: where the tests find the package's own files (data/, the models, scripts) and shared/'s.
import Foundation

public enum Repository {
    /// The package root (the folder holding Package.swift).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `data/NAME` of the package (train.csv, test.csv).
    public static func data(_ name: String) -> URL { root.appendingPathComponent("data").appendingPathComponent(name) }

    /// `../shared/data/NAME` (corpus_large.csv lives only there).
    public static func sharedData(_ name: String) -> URL {
        root.appendingPathComponent("../shared/data").appendingPathComponent(name).standardized
    }
}
