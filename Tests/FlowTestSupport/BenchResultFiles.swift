import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reading what `flowmeter bench --out DIR` writes: results.csv rows and well-formed SVG.
public enum BenchResultFiles {
    /// One row of results.csv by column name.
    public struct Row: Sendable {
        public var fields: [String: String]
        public func number(_ key: String) -> Double { Double(fields[key] ?? "") ?? .nan }
    }

    public static func readCSV(_ path: String) throws -> [Row] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let first = lines.first else { return [] }
        let header = first.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Row(fields: Dictionary(uniqueKeysWithValues: zip(header, cells)))
        }
    }

    /// Parses `path` as XML and returns the element names in document order; throws when it is not well-formed.
    public static func xmlElements(_ path: String) throws -> [String] {
        final class Collector: NSObject, XMLParserDelegate {
            var names: [String] = []
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                names.append(name)
            }
        }
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        let collector = Collector()
        parser.delegate = collector
        guard parser.parse() else {
            throw CocoaError(
                .fileReadCorruptFile,
                userInfo: [NSLocalizedDescriptionKey: "\(path) is not well-formed XML: \(String(describing: parser.parserError))"])
        }
        return collector.names
    }
}
