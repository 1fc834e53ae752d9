import FlowMeter
import FlowWriters
import Foundation
import Testing

@Suite struct RotatingWriterTests {
    static let schema = FlowSchema(columns: [.init("id", .integer, ""), .init("n", .integer, "")])

    /// A scratch directory removed at the end.
    final class Scratch {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "rotating-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        var files: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
        func text(_ name: String) throws -> String { try String(contentsOfFile: path + "/" + name, encoding: .utf8) }
    }

    func write(_ writer: RotatingWriter, rows: Range<UInt64>, tick: (() -> Void)? = nil) throws {
        var buffer = FlowRecordBuffer()
        for id in rows {
            buffer.removeAll()
            buffer.beginRecord()
            buffer.appendUnsigned(id * 10)
            let range = buffer.endRecord()
            try writer.write(FlowRow(id: id, record: buffer.record(at: range)))
            tick?()
        }
    }

    @Test func namesCarryTheUTCOpeningTimeAndASequenceBeforeTheExtension() {
        let t = 1_796_236_620.75  // 2026-12-02T18:37:00.75Z
        #expect(RotatingWriter.path(template: "out/flows.csv.gz", time: t, sequence: 1) == "out/flows-20261202T183700Z-000001.csv.gz")
        #expect(RotatingWriter.path(template: "f.PARQUET", time: t, sequence: 12) == "f-20261202T183700Z-000012.PARQUET")
        #expect(RotatingWriter.path(template: "/a/b/noext", time: 0, sequence: 3) == "/a/b/noext-19700101T000000Z-000003")
    }

    @Test func aFlowBoundSplitsRowsIntoCompleteFilesWithContinuingIds() throws {
        let dir = try Scratch()
        let writer = RotatingWriter(template: dir.path + "/flows.csv", policy: .init(flows: 4), clock: { 1000 }) {
            try CSVWriter(path: $0, gzip: false)
        }
        try writer.begin(schema: Self.schema)
        try write(writer, rows: 0..<10)
        try writer.finish()
        let names = dir.files
        #expect(names == (1...3).map { "flows-19700101T001640Z-00000\($0).csv" })
        #expect(try dir.text(names[0]) == "id,n\r\n0,0\r\n1,10\r\n2,20\r\n3,30\r\n")
        #expect(try dir.text(names[2]) == "id,n\r\n8,80\r\n9,90\r\n")
        #expect(writer.finishedPaths.count == 3)
    }

    @Test func aTimeBoundStartsANewFileAtTheFirstRowAfterThePeriod() throws {
        let dir = try Scratch()
        var now = 100.0
        let writer = RotatingWriter(template: dir.path + "/f.csv", policy: .init(seconds: 60), clock: { now }) {
            try CSVWriter(path: $0, gzip: false)
        }
        try writer.begin(schema: Self.schema)
        try write(writer, rows: 0..<5) { now += 20 }  // rows at 100, 120, 140, then 160: 60 s on, a new file
        try writer.finish()
        let names = dir.files
        #expect(names.count == 2)
        #expect(try dir.text(names[0]) == "id,n\r\n0,0\r\n1,10\r\n2,20\r\n")
        #expect(names[1] == "f-19700101T000240Z-000002.csv")  // opened at 160 s, with rows 3 and 4
    }

    @Test func theOpenFileIsATemporaryOneUntilItIsFinished() throws {
        let dir = try Scratch()
        let writer = RotatingWriter(template: dir.path + "/f.csv", policy: .init(flows: 100), clock: { 0 }) {
            try CSVWriter(path: $0, gzip: false)
        }
        try writer.begin(schema: Self.schema)
        try write(writer, rows: 0..<3)
        #expect(dir.files.allSatisfy { $0.hasPrefix(".") && $0.contains(".partial-") })
        writer.abandon()
        #expect(dir.files.isEmpty)
    }
}
