import FlowTestSupport
import Foundation

/// Runs the built `flowmeter` executable, as a user would.
struct CLIRunner {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    static var executable: URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [here, here.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("flowmeter")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return packageRoot.appendingPathComponent(".build/debug/flowmeter")
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static var sampleCapture: String { packageRoot.appendingPathComponent("Examples/captures/sample.pcap").path }

    static func golden(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
    }

    @discardableResult
    static func run(_ arguments: [String], stdin: Data? = nil, timeout: Double = 300) throws -> Result {
        let scratch = try ScratchDirectory()
        let outURL = URL(fileURLWithPath: scratch.path("stdout"))
        let errURL = URL(fileURLWithPath: scratch.path("stderr"))
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let inURL = URL(fileURLWithPath: scratch.path("stdin"))
            try stdin.write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        guard process.waitUntilExit(timeout: timeout) else {
            throw ProcessTimedOut(["flowmeter"] + arguments, seconds: timeout)
        }
        try outHandle.close()
        try errHandle.close()
        return Result(
            status: process.terminationStatus, stdout: try Data(contentsOf: outURL),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// A scratch directory removed at the end of a test.
final class ScratchDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("flowmeter-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Splits a classic pcap into two files at a record boundary (header copied to both).
func splitPcap(_ data: Data, afterRecords count: Int) -> (Data, Data) {
    let bytes = [UInt8](data)
    let littleEndian = bytes[0] == 0xD4
    func u32(_ i: Int) -> Int {
        let b = bytes[i..<i + 4].map { Int($0) }
        return littleEndian ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
    }
    var offset = 24
    for _ in 0..<count { offset += 16 + u32(offset + 8) }
    let header = Data(bytes[0..<24])
    return (header + Data(bytes[24..<offset]), header + Data(bytes[offset...]))
}
