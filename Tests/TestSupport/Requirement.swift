// Requirement: what a test needs from the machine; missing, it skips saying why, and under CI=true it fails instead.
import Foundation
import XCTest

/// A test that cannot run without something (Milvus Lite, a server that starts, a file) throws
/// `Requirement.unmet(reason)`: a skip on a developer's machine, a failure under `CI=true`, so a
/// broken install never turns into a green run. Hardware the machine lacks (an instruction set)
/// is the one skip CI keeps: `Requirement.hardware(reason)`, reported by name by `.ci/run`.
public enum Requirement {
    public struct Unmet: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "required for this test, and CI=true makes it a failure: \(reason)" }
    }

    /// True when the environment says this is CI (`CI=true`, as .ci/run runs).
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true" }

    /// The error to throw when `reason` keeps the test from running.
    public static func unmet(_ reason: String) -> any Error {
        isCI ? Unmet(reason: reason) : XCTSkip(reason)
    }

    /// A skip everywhere, for hardware this machine lacks; the message starts with "hardware:".
    public static func hardware(_ reason: String) -> XCTSkip {
        XCTSkip("hardware: \(reason)")
    }
}
