/// Mean and sample standard deviation.
struct MeanDeviation {
    var mean: Double
    var deviation: Double

    init(_ values: [Double]) {
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
