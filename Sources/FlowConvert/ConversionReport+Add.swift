import FlowStreamer

extension ConversionReport {
    /// Adds the counts of another input's report (each-file runs).
    public mutating func add(_ other: ConversionReport) {
        packetsRead += other.packetsRead
        packetsMetered += other.packetsMetered
        for i in ignored.indices { ignored[i] += other.ignored[i] }
        flowsWritten += other.flowsWritten
        peakActiveFlows = Swift.max(peakActiveFlows, other.peakActiveFlows)
        flowsEvicted += other.flowsEvicted
        damagedInputs += other.damagedInputs
        backwardTime += other.backwardTime
        inputs += other.inputs
        interrupted = interrupted || other.interrupted
    }
}
