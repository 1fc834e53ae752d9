#if os(Linux)

import FlowFeatures
import FlowMeter
import FlowStreamer
import FlowTestSupport
import FlowWriters
import Foundation
import Testing

/// The threaded pipeline in process (so that `scripts/sanitizers.sh` runs it under ThreadSanitizer and
/// AddressSanitizer): a multi-thousand-flow trace converted with 1, 2 and 4 meter threads, with flows leaving
/// during the run (short idle timeout, a bounded table) so the rings, the meters and the row merger all work;
/// the outputs must be byte-identical.
@Suite struct ThreadedPipelineTests {
    static func convert(_ trace: String, threads: Int, gzip: Bool, maxFlows: Int, in directory: TemporaryDirectory)
        throws -> Data
    {
        var configuration = StreamerConfiguration()
        configuration.threads = threads
        configuration.meter.idleTimeoutMilliseconds = 2
        configuration.meter.maxFlows = maxFlows
        configuration.plugins = try BuiltinFeatures.plugins(named: BuiltinFeatures.names, spltLength: 5)
        let output = directory.file("flows-\(threads)-\(maxFlows)\(gzip ? ".csv.gz" : ".csv")")
        let writer = try CSVWriter(path: output, gzip: gzip)
        let report = try FlowStreamer(configuration: configuration).convert(inputs: [trace], writer: writer)
        #expect(report.inputError == nil)
        #expect(report.packetsRead == report.packetsMetered)
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }

    @Test(arguments: [0, 512])
    func outputIsIdenticalForAnyThreadCount(maxFlows: Int) throws {
        let directory = try TemporaryDirectory()
        let trace = directory.file("scan.pcap")
        // 3 000 flows × 3 rounds, 1 µs apart: a round lasts 3 ms, longer than the 2 ms idle timeout, so flows
        // leave at scans during the run and come back as new flows.
        try ScanTrace.write(to: trace, flows: 3_000, packetsPerFlow: 3)
        let single = try Self.convert(trace, threads: 1, gzip: false, maxFlows: maxFlows, in: directory)
        #expect(CSVCheck.lines(single)?.count ?? 0 > 3_000)
        for threads in [2, 4] {
            let threaded = try Self.convert(trace, threads: threads, gzip: threads == 4, maxFlows: maxFlows, in: directory)
            if threads == 4 {
                let path = directory.file("flows-4-\(maxFlows).csv.gz")
                #expect(try CSVCheck.gunzip(path) == single, "--threads 4 --max-flows \(maxFlows) differs")
            } else {
                #expect(threaded == single, "--threads \(threads) --max-flows \(maxFlows) differs")
            }
        }
    }
}

#endif
