/// Count, sum, minimum, maximum, mean and sample variance of a stream of values (Welford's update), the
/// summary CICFlowMeter keeps with Apache Commons Math's `SummaryStatistics`. Every accessor is 0 while empty.
public struct CICRunningStatistics: Sendable, Equatable {
    /// Number of values added.
    public var count: UInt64 = 0
    /// Sum of the values.
    public var sum: Double = 0
    /// Running mean.
    public var mean: Double = 0
    /// Sum of squared deviations from the mean (Welford's M2).
    public var m2: Double = 0
    /// Smallest value.
    public var minimum: Double = 0
    /// Largest value.
    public var maximum: Double = 0

    /// An empty summary.
    public init() {}

    /// Adds one value (Welford's update of mean and M2).
    @inlinable
    public mutating func add(_ x: Double) {
        count &+= 1
        sum += x
        if count == 1 {
            mean = x
            minimum = x
            maximum = x
            return
        }
        if x < minimum { minimum = x }
        if x > maximum { maximum = x }
        let previous = mean
        mean += (x - previous) / Double(count)
        m2 += (x - previous) * (x - mean)
    }

    /// Sample variance (n − 1 in the denominator), 0 for fewer than two values (as Commons Math).
    @inlinable
    public var variance: Double { count > 1 ? m2 / Double(count - 1) : 0 }

    /// Sample standard deviation, 0 for fewer than two values.
    @inlinable
    public var standardDeviation: Double { variance.squareRoot() }

    /// The statistics of both streams together (Chan et al.'s parallel combination of Welford states).
    @inlinable
    public func merged(with other: CICRunningStatistics) -> CICRunningStatistics {
        if other.count == 0 { return self }
        if count == 0 { return other }
        var out = CICRunningStatistics()
        out.count = count + other.count
        out.sum = sum + other.sum
        let n = Double(out.count)
        let delta = other.mean - mean
        out.mean = out.sum / n
        out.m2 = m2 + other.m2 + delta * delta * Double(count) * Double(other.count) / n
        out.minimum = Swift.min(minimum, other.minimum)
        out.maximum = Swift.max(maximum, other.maximum)
        return out
    }
}
