// payload-entropy INPUT.pcap OUTPUT.csv: flowmeter's core columns plus the payload entropy of each direction.
import FlowStreamer
import FlowWriters
import Foundation
import PayloadEntropyPlugin

let arguments = CommandLine.arguments
guard arguments.count == 3 else { print("usage: payload-entropy INPUT.pcap OUTPUT.csv"); exit(64) }
var configuration = StreamerConfiguration()
configuration.plugins = [PayloadEntropyPlugin()]
let writer = try CSVWriter(path: arguments[2], gzip: false)
let report = try FlowStreamer(configuration: configuration).convert(inputs: [arguments[1]], writer: writer)
print("\(report.flowsWritten) flows written to \(arguments[2])")
exit(report.inputError == nil ? 0 : 3)
