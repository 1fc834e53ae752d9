#if canImport(Glibc)
import Glibc
#endif

/// The outputs of `convert --output-dir DIR`: one per input, `DIR/<input file name>.<extension>`, and the record
/// that makes a run resumable.
///
/// An output is complete once it is renamed into place; right after, a small record is written beside it,
/// `DIR/.<output name>.done` (temporary name, then renamed), holding the options that shape the output, the
/// input's size and SHA-256, the output's size and SHA-256 and what the manifest says of both. A later run with
/// the same options skips an input when its record is there, names the same input bytes and the same options, and
/// the output still has the recorded size and SHA-256; every other input is converted again, over whatever is
/// there (the temporary files an interrupted run left, `.NAME.partial-PID`, are removed first). Because the record
/// is written per output, a run killed by any signal, even SIGKILL, resumes at the outputs it had not finished.
struct OutputDirectory {
    let directory: String
    /// csv, csv.gz, parquet or ipfix.
    let fileExtension: String

    /// Two inputs whose outputs would have the same name.
    struct Collision: Error, CustomStringConvertible {
        var output: String
        var first: String
        var second: String
        var description: String {
            "--output-dir: the inputs '\(first)' and '\(second)' would both be written to '\(output)' (outputs are "
                + "named after the input's file name): convert them into different directories, or rename one"
        }
    }

    /// The manifest every --output-dir run writes into `directory`.
    static func manifestPath(in directory: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + "manifest.json"
    }

    /// The output of `input`.
    func outputPath(for input: String) -> String {
        let name = InputOutputCheck.lastComponent(of: input)
        return (directory.hasSuffix("/") ? directory : directory + "/") + name + "." + fileExtension
    }

    /// The output of every input, in input order; throws `Collision` when two share one.
    func outputPaths(for inputs: [String]) throws -> [String] {
        var seen: [String: String] = [:]
        var paths: [String] = []
        for input in inputs {
            let path = outputPath(for: input)
            if let first = seen[path] { throw Collision(output: path, first: first, second: input) }
            seen[path] = input
            paths.append(path)
        }
        return paths
    }

    /// Creates the directory when it is not there (its parent must be).
    func create() throws {
        var st = stat()
        if stat(directory, &st) == 0 {
            if (st.st_mode & S_IFMT) != S_IFDIR {
                throw Failure(message: "--output-dir '\(directory)' is not a directory")
            }
            return
        }
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw Failure(
                message: "cannot create the output directory '\(directory)': \(String(cString: strerror(errno)))")
        }
    }

    /// A directory that cannot be used.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Where the record of `output` is kept.
    static func recordPath(for output: String) -> String {
        let directory = InputOutputCheck.directory(of: output)
        return directory + "/." + InputOutputCheck.lastComponent(of: output) + ".done"
    }

    /// Removes the record of `output` and the temporary files interrupted runs left for it.
    static func clearPartial(for output: String) {
        unlink(recordPath(for: output))
        let directory = InputOutputCheck.directory(of: output)
        let prefix = "." + InputOutputCheck.lastComponent(of: output) + ".partial-"
        guard let stream = opendir(directory) else { return }
        var stale: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(prefix), Int32(name.dropFirst(prefix.count)) != getpid() { stale.append(name) }
        }
        closedir(stream)
        for name in stale { unlink(directory + "/" + name) }
    }
}
