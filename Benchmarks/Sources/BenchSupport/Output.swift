// Output: one JSON object on stdout (sorted keys, non-finite numbers as null), and a tiny flag parser.
import Foundation
import LinearAlgebra

/// Prints `object` as one line of JSON, with the machine it ran on (`cpu`, `blas_core`, `simd`).
public func printJSON(_ object: [String: Any]) {
    var object = object
    object["machine_run"] = ["cpu": BLASCore.CPU.current.model, "blas_core": BLASCore.loaded,
                             "blas_core_reason": BLASCore.summary, "simd": SIMDPath.current.description]
    let clean = sanitize(object)
    guard let data = try? JSONSerialization.data(withJSONObject: clean, options: [.sortedKeys]),
          let s = String(data: data, encoding: .utf8) else {
        FileHandle.standardError.write("could not encode result\n".data(using: .utf8)!)
        return
    }
    print(s)
}

private func sanitize(_ v: Any) -> Any {
    switch v {
    case let d as Double: return d.isFinite ? d : NSNull()
    case let f as Float: return f.isFinite ? Double(f) : NSNull()
    case let a as [Any]: return a.map(sanitize)
    case let m as [String: Any]: return m.mapValues(sanitize)
    default: return v
    }
}

/// Writes `message` and a newline to stderr.
public func note(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}

/// `--name value` options and `--flag` switches after a subcommand.
public struct Flags {
    public private(set) var values: [String: String] = [:]
    public private(set) var switches: Set<String> = []

    /// `switchNames` are the options that take no value.
    public init(_ args: [String], switchNames: Set<String>) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            guard a.hasPrefix("--") else { throw BenchError.usage("unexpected argument '\(a)'") }
            var name = String(a.dropFirst(2))
            if let eq = name.firstIndex(of: "=") {
                values[String(name[..<eq])] = String(name[name.index(after: eq)...])
                i += 1
                continue
            }
            if switchNames.contains(name) {
                switches.insert(name)
                i += 1
                continue
            }
            guard i + 1 < args.count else { throw BenchError.usage("--\(name) needs a value") }
            name = name.trimmingCharacters(in: .whitespaces)
            values[name] = args[i + 1]
            i += 2
        }
    }

    public func string(_ name: String) -> String? { values[name] }

    public func int(_ name: String, default d: Int) throws -> Int {
        guard let s = values[name] else { return d }
        guard let v = Int(s) else { throw BenchError.usage("--\(name) expects an integer, got '\(s)'") }
        return v
    }

    public func has(_ name: String) -> Bool { switches.contains(name) }

    /// Rejects options not in `known`.
    public func check(known: Set<String>) throws {
        for k in Set(values.keys).union(switches) where !known.contains(k) {
            throw BenchError.usage("unknown option --\(k)")
        }
    }
}
