/// Packet-size and inter-arrival statistics of one direction, updated in NFStream's exact Welford order
/// so that means and standard deviations match it bit for bit.
public struct DirectionalStatistics: Sendable {
    /// Smallest packet size (accounting mode).
    public var minSize: UInt16 = 0
    /// Largest packet size.
    public var maxSize: UInt16 = 0
    /// Mean packet size (Welford).
    public var meanSize: Double = 0
    /// Sum of squared deviations (Welford's M2) of the sizes.
    public var m2Size: Double = 0
    /// Smallest inter-arrival time, in the meter's time unit (0 until the second packet).
    public var minPiat: UInt64 = 0
    /// Largest inter-arrival time.
    public var maxPiat: UInt64 = 0
    /// Mean inter-arrival time (Welford).
    public var meanPiat: Double = 0
    /// Sum of squared deviations (Welford's M2) of the inter-arrival times.
    public var m2Piat: Double = 0
    /// Packets with each TCP flag, in flag-bit order: FIN, SYN, RST, PSH, ACK, URG, ECE, CWR.
    public var flagCounts: SIMD8<UInt32> = .zero

    /// Empty statistics (set by `start` at the direction's first packet).
    public init() {}

    /// Counts each flag set in a TCP flags byte.
    @inlinable
    public mutating func countFlags(_ flags: UInt8) {
        guard flags != 0 else { return }
        // Each count is incremented where it is stored. A lane of the vector value (`flagCounts[i] &+= 1`) is
        // updated through a stack copy of the whole vector, whose reload waits for the narrower store to it (a
        // store-forwarding stall for every flag counted).
        withUnsafeMutableBytes(of: &flagCounts) { counts in
            var f = flags
            repeat {
                let offset = f.trailingZeroBitCount &* 4
                let count = counts.load(fromByteOffset: offset, as: UInt32.self)
                counts.storeBytes(of: count &+ 1, toByteOffset: offset, as: UInt32.self)
                f &= f &- 1
            } while f != 0
        }
    }

    /// The first packet of this direction.
    @inlinable
    public mutating func start(size: UInt16, flags: UInt8) {
        minSize = size
        maxSize = size
        meanSize = Double(size)
        countFlags(flags)
    }

    /// A later packet; `count` is the number of packets in this direction including it.
    @inlinable
    public mutating func add(size: UInt16, flags: UInt8, piat: UInt64, count: UInt64) {
        countFlags(flags)
        if size > maxSize { maxSize = size }
        if size < minSize { minSize = size }
        let x = Double(size)
        let previousMean = meanSize
        meanSize += (x - previousMean) / Double(count)
        m2Size += (x - previousMean) * (x - meanSize)
        if count == 2 {
            minPiat = piat
            maxPiat = piat
            meanPiat = Double(piat)
        } else {
            if piat > maxPiat { maxPiat = piat }
            if piat < minPiat { minPiat = piat }
            let t = Double(piat)
            let previous = meanPiat
            meanPiat += (t - previous) / Double(count - 1)
            m2Piat += (t - previous) * (t - meanPiat)
        }
    }

    /// Sample standard deviation of sizes over `count` packets (0 for fewer than 2).
    @inlinable
    public func sizeStandardDeviation(count: UInt64) -> Double {
        count > 1 ? (m2Size / Double(count - 1)).squareRoot() : 0
    }

    /// Sample standard deviation of the `count - 1` inter-arrival times (0 for fewer than 3 packets).
    @inlinable
    public func piatStandardDeviation(count: UInt64) -> Double {
        count > 2 ? (m2Piat / Double(count - 2)).squareRoot() : 0
    }

    /// Count of packets with a flag, by NFStream column order index (syn, cwr, ece, urg, ack, psh, rst, fin).
    @inlinable
    public func flagCount(columnIndex i: Int) -> UInt32 {
        // column order → flag bit index
        let bit: Int
        switch i {
        case 0: bit = 1  // syn
        case 1: bit = 7  // cwr
        case 2: bit = 6  // ece
        case 3: bit = 5  // urg
        case 4: bit = 4  // ack
        case 5: bit = 3  // psh
        case 6: bit = 2  // rst
        default: bit = 0  // fin
        }
        return flagCounts[bit]
    }
}
