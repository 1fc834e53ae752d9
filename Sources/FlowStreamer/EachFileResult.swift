#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowWriters

/// What an each-file conversion did with one input.
public struct EachFileResult: Sendable {
    /// The input, as it was named (the value of its rows' `source` column).
    public var input: String
    /// What reading it did; nil when it was never started (the run stopped before it: interruption,
    /// `stopOnDamage`, or an output error).
    public var report: ConversionReport?
    /// The id of its first row.
    public var firstID: UInt64 = 0
    /// Rows it gave (its flows).
    public var rows: UInt64 = 0
    /// Whether its rows are in the output (one output: appended in order; one output per input: the output was
    /// finished and renamed into place). An interrupted input's own output is abandoned instead.
    public var written = false
    /// Why its output could not be written, if it could not.
    public var outputError: String? = nil

    /// The result of `input` before it is converted.
    public init(input: String) { self.input = input }
}

extension EachFileResult {
    mutating func record(_ report: ConversionReport, rows: SourcedRows) {
        self.report = report
        firstID = rows.firstID
        self.rows = rows.rows
        written = true
    }
}
