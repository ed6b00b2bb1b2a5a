// LegacyRandomState: NumPy's legacy RandomState (MT19937) as far as permutation and choice use it, draw for draw.

/// The Mersenne Twister MT19937 seeded as `numpy.random.RandomState(seed)` seeds it (init_genrand),
/// with NumPy's `random_interval` and Fisher-Yates shuffle, so `permutation(n)` gives NumPy's array
/// exactly: what scikit-learn's splitters draw from.
public struct LegacyRandomState: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var position = 624

    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    /// genrand_int32: the next tempered 32-bit output.
    public mutating func nextUInt32() -> UInt32 {
        if position == 624 { twist() }
        var y = state[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// NumPy's next_uint64 for MT19937: two 32-bit outputs, high word first.
    public mutating func nextUInt64() -> UInt64 {
        let hi = UInt64(nextUInt32())
        return hi << 32 | UInt64(nextUInt32())
    }

    private mutating func twist() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7FFF_FFFF, matrix: UInt32 = 0x9908_B0DF
        for i in 0..<624 {
            let y = (state[i] & upper) | (state[(i + 1) % 624] & lower)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? matrix : 0)
        }
        position = 0
    }

    /// `random_interval(max)`: uniform in 0...max by masked rejection (32-bit draws when max fits).
    public mutating func interval(_ max: UInt64) -> UInt64 {
        guard max > 0 else { return 0 }
        var mask = max
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
        if max <= 0xFFFF_FFFF {
            while true {
                let v = UInt64(nextUInt32()) & mask
                if v <= max { return v }
            }
        }
        while true {
            let v = nextUInt64() & mask
            if v <= max { return v }
        }
    }

    /// `shuffle(x)` on a 1-d array: Fisher-Yates from the end.
    public mutating func shuffle<T>(_ x: inout [T]) {
        guard x.count > 1 else { return }
        for i in stride(from: x.count - 1, through: 1, by: -1) {
            let j = Int(interval(UInt64(i)))
            x.swapAt(i, j)
        }
    }

    /// `permutation(n)`: a shuffled `0..<n`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var x = Array(0..<n)
        shuffle(&x)
        return x
    }

    /// `permutation(array)`: a shuffled copy.
    public mutating func permutation(_ values: [Int]) -> [Int] {
        var x = values
        shuffle(&x)
        return x
    }
}
