// payload-entropy INPUT.pcap OUTPUT.csv: flowmeter's usual columns (those of `flowmeter convert`, with the
// application columns when nDPI is built in) plus the payload entropy of each direction.
import FlowPresets
import FlowStreamer
import FlowWriters
import Foundation
import PayloadEntropyPlugin

let arguments = CommandLine.arguments
guard arguments.count == 3 else { print("usage: payload-entropy INPUT.pcap OUTPUT.csv"); exit(64) }
var configuration = try StreamerConfiguration.flowmeter()
configuration.plugins.append(PayloadEntropyPlugin())
let writer = try CSVWriter(path: arguments[2], gzip: false)
let report = try FlowStreamer(configuration: configuration).convert(inputs: [arguments[1]], writer: writer)
print("\(report.flowsWritten) flows written to \(arguments[2])")
exit(report.inputError == nil ? 0 : 3)
