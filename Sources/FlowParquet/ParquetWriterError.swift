import FlowWriters

/// Errors of the Parquet writer. Each names the output.
public enum ParquetWriterError: Error, CustomStringConvertible, Sendable {
    case pageTooLarge(column: String, bytes: Int)
    case valueDoesNotFitColumn(path: String, row: UInt64, column: String, expected: String, got: String)

    /// The message the CLI prints, naming the column (and, for a mismatched value, the output and the row).
    public var description: String {
        switch self {
        case .pageTooLarge(let column, let bytes):
            return "a Parquet page of column '\(column)' would hold \(bytes) bytes, more than the format's 2 GiB"
        case .valueDoesNotFitColumn(let path, let row, let column, let expected, let got):
            return
                "row \(row) for '\(path)': column '\(column)' is declared \(expected) but its plugin wrote \(got) (a feature plugin's `columns` do not match what it writes)"
        }
    }
}
