/// A failure of the bench harness, carrying the whole message `flowmeter bench` prints for it (after "flowmeter: ").
///
/// Option values that do not parse (`CPUSet.parse`, `BenchPath.parseList`, `LiveScenario.parseList`) throw it with
/// the text of a usage error; measuring throws it when a tool is missing, a child fails, the test network cannot be
/// built or a results file cannot be written.
public struct BenchError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The message, complete.
    public var description: String

    /// An error whose message is `description`.
    public init(_ description: String) { self.description = description }
}
