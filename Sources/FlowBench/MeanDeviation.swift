/// Mean and sample standard deviation.
public struct MeanDeviation: Sendable, Equatable {
    /// The arithmetic mean (0 for no values).
    public var mean: Double
    /// The sample standard deviation (n - 1 in the denominator); 0 for fewer than two values.
    public var deviation: Double

    /// The mean and sample standard deviation of `values`.
    public init(_ values: [Double]) {
        guard !values.isEmpty else {
            mean = 0
            deviation = 0
            return
        }
        let m = values.reduce(0, +) / Double(values.count)
        mean = m
        if values.count > 1 {
            deviation = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        } else {
            deviation = 0
        }
    }
}
