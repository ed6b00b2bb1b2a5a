// VerifyReport: every file's checksum and whether every part opens, as `Workspace.verify` found them.
public import VectorSearch

/// The result of verifying an index folder.
public struct VerifyReport: Sendable {
    /// Each file of the manifest: size and SHA-256 as recorded or not.
    public var files: [IndexStore.FileCheck]
    /// Why opening the parts failed (checked only when every file matched); nil when they opened.
    public var openProblem: String?

    public init(files: [IndexStore.FileCheck], openProblem: String?) {
        self.files = files
        self.openProblem = openProblem
    }

    /// Whether every file matched and every part opened.
    public var ok: Bool { files.allSatisfy(\.ok) && openProblem == nil }
    /// Files that failed plus a failed open.
    public var problemCount: Int { files.filter { !$0.ok }.count + (openProblem == nil ? 0 : 1) }
}
