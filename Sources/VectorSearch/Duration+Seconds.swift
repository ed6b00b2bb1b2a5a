// Duration+Seconds: a measured duration as seconds (Double), and a batch's queries per second over it, for the tuning and training timers.
extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }

    /// `queries` searched in this duration, per second (a zero duration counts as a nanosecond).
    func queriesPerSecond(_ queries: Int) -> Double { Double(queries) / max(seconds, 1e-9) }
}
