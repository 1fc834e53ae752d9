/// Application detection could not start.
public struct ApplicationDetectionError: Error, CustomStringConvertible, Sendable {
    /// The nDPI function that failed ("" when none was called).
    public var function: String
    /// What went wrong, for the user.
    public var message: String

    /// `FUNCTION: MESSAGE`, or the message alone when no nDPI function was called.
    public var description: String { function.isEmpty ? message : "\(function): \(message)" }

    /// This build has no nDPI.
    public static let unavailable = ApplicationDetectionError(
        function: "",
        message:
            "application detection is unavailable: flowmeter was built without nDPI (package trait NDPI off); install libndpi-dev and build with the default traits"
    )
}
