import FlowConvert
import FlowStreamer
import FlowWriters

/// One offline measurement in its own process (`flowmeter bench run-offline`, started by `bench offline`):
/// meters the inputs, writes nothing, and prints one JSON line (`BenchChildReport`) with the packets and flows.
public struct OfflineBenchChild {
    /// The captures to meter.
    public var inputs: [String]
    /// The metering, one path, one thread.
    public var configuration: StreamerConfiguration

    /// A measurement of `inputs` with `configuration`.
    public init(inputs: [String], configuration: StreamerConfiguration) {
        self.inputs = inputs
        self.configuration = configuration
    }

    /// Meters the inputs into /dev/null and prints the report line; an error ends the process (status 1, or 3
    /// for a damaged input).
    public func run() {
        let writer: CSVWriter
        do {
            writer = try CSVWriter(path: "/dev/null", gzip: false)
        } catch {
            fail("\(error)", code: 1)
        }
        let report: ConversionReport
        do {
            report = try FlowStreamer(configuration: configuration).convert(inputs: inputs, writer: writer)
        } catch {
            fail("\(error)", code: 1)
        }
        if let inputError = report.inputError {
            fail("\(inputError)", code: 3)
        }
        print(BenchChildReport(packets: report.packetsRead, flows: report.flowsWritten).jsonLine)
    }
}
