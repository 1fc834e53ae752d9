/// flowmeter's version, as `flowmeter --version` prints it and the manifest, Parquet metadata and resume records
/// write it.
public enum FlowmeterVersion {
    /// The version string, e.g. 0.1.0.
    public static let current = "0.1.0"
}
