// dns-queries INPUT.pcap OUTPUT.csv: flowmeter's core columns plus the DNS query name and answer count.
import DNSQueriesPlugin
import FlowStreamer
import FlowWriters
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else { print("usage: dns-queries INPUT.pcap OUTPUT.csv"); exit(64) }
var configuration = StreamerConfiguration()
configuration.plugins = [DNSQueriesPlugin()]
let writer = try CSVWriter(path: arguments[2], gzip: false)
let report = try FlowStreamer(configuration: configuration).convert(inputs: [arguments[1]], writer: writer)
print("\(report.flowsWritten) flows written to \(arguments[2])")
exit(report.inputError == nil ? 0 : 3)
