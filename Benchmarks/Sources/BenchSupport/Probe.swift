// Probe: wall and CPU time of one measurement plus the cores other processes used meanwhile (/proc/stat).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Monotonic seconds.
@inline(__always)
public func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// CPU seconds of this process, all threads (OpenBLAS's included).
public func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The same reading as the shared anchors' `_cpu_sample`: the machine's busy and steal seconds
/// from the first line of /proc/stat (user + nice + system + irq + softirq), and this process's CPU.
public struct CPUSample: Sendable {
    public let wall: Double
    public let machineBusy: Double
    public let steal: Double
    public let own: Double

    public static func take() -> CPUSample {
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        var busy = 0.0, steal = 0.0
        if let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
           let line = text.split(separator: "\n", maxSplits: 1).first {
            let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            if v.count >= 8 {
                busy = (v[0] + v[1] + v[2] + v[5] + v[6]) / hz
                steal = v[7] / hz
            }
        }
        return CPUSample(wall: now(), machineBusy: busy, steal: steal, own: processCPUSeconds())
    }
}

/// What one timed region cost and what the rest of the machine did during it.
public struct Measurement: Sendable {
    /// Wall seconds.
    public var seconds: Double
    /// CPU seconds of this process over the region.
    public var cpuSeconds: Double
    /// Cores kept busy by other processes (machine busy minus own CPU, per wall second);
    /// NaN (null in JSON) for regions shorter than 50 ms.
    public var othersCores: Double
    /// Steal time, in cores.
    public var stealCores: Double

    public var json: [String: Any] {
        ["wall_s": seconds, "cpu_s": cpuSeconds, "cpu_per_wall": seconds > 0 ? cpuSeconds / seconds : 0,
         "others_cores": othersCores, "steal_cores": stealCores]
    }
}

/// Runs `body` once and measures it.
public func measure<T>(_ body: () throws -> T) rethrows -> (T, Measurement) {
    let s0 = CPUSample.take()
    let t0 = now()
    let r = try body()
    let dt = now() - t0
    let s1 = CPUSample.take()
    let wall = s1.wall - s0.wall
    let own = s1.own - s0.own
    // /proc/stat counts in clock ticks (10 ms): over shorter regions the reading means nothing.
    let meaningful = wall >= 0.05
    let others = meaningful ? max(0, ((s1.machineBusy - s0.machineBusy) - own) / wall) : .nan
    let steal = meaningful ? max(0, (s1.steal - s0.steal) / wall) : .nan
    return (r, Measurement(seconds: dt, cpuSeconds: own, othersCores: others, stealCores: steal))
}

/// Peak and current resident set size of this process, bytes (VmHWM, VmRSS of /proc/self/status).
public func memoryStatus() -> (peak: Int, current: Int) {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    var peak = 0, cur = 0
    for line in text.split(separator: "\n") {
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 2, let kb = Int(parts[1]) else { continue }
        if parts[0] == "VmHWM:" { peak = kb * 1024 }
        if parts[0] == "VmRSS:" { cur = kb * 1024 }
    }
    return (peak, cur)
}

/// The 1-minute load average.
public func loadAverage() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
          let first = text.split(separator: " ").first, let v = Double(first) else { return 0 }
    return v
}
