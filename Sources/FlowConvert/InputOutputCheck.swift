#if canImport(Glibc)
import Glibc
#endif

/// Refuses an output that is the same file as one of the inputs, before anything is read or written, so that no
/// run writes over a capture. Every command that writes a file from inputs (`-o`, and later outputs such as IPFIX
/// files or manifests) checks each of its outputs with `check(option:output:)`.
///
/// An output is the same file as an input when both exist with the same device and inode (hard links and
/// symbolic links included), or, when the output does not exist yet, when its real path (symbolic links of the
/// directories and of the name itself resolved) is an input's. Only regular-file inputs count: `-o -` and devices
/// such as /dev/null conflict only when they are literally the same inode as a regular-file input (standard
/// output redirected to a capture being read, or standard input read from the file `-o` names).
public struct InputOutputCheck {
    /// An output that would write over an input.
    struct Conflict: Error, CustomStringConvertible {
        /// The option that names the output, e.g. `-o`.
        var option: String
        var output: String
        var input: String
        /// How they are the same file.
        var reason: String

        var description: String {
            "\(option) '\(output)' is the input '\(input)' (\(reason)): writing it would destroy the capture; "
                + "name an output file that is not one of the inputs"
        }
    }

    /// A regular-file input: the name it was given, its device and inode, and its real path.
    struct Input {
        var name: String
        var device: UInt64
        var inode: UInt64
        var realPath: String?
    }

    let inputs: [Input]

    /// Notes the identity of every input that is a regular file (`-` is standard input).
    public init(inputs names: [String]) {
        var inputs: [Input] = []
        for name in names {
            var st = stat()
            if name == "-" {
                guard fstat(0, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                inputs.append(Input(name: "-", device: UInt64(st.st_dev), inode: UInt64(st.st_ino), realPath: nil))
            } else {
                guard stat(name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                inputs.append(
                    Input(
                        name: name, device: UInt64(st.st_dev), inode: UInt64(st.st_ino),
                        realPath: Self.realPath(of: name)))
            }
        }
        self.inputs = inputs
    }

    /// Throws `Conflict` when `output` (named by `option`; `-` is standard output) is one of the inputs.
    public func check(option: String, output: String) throws {
        var st = stat()
        if output == "-" {
            guard fstat(1, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return }
            if let input = inputs.first(where: { $0.device == UInt64(st.st_dev) && $0.inode == UInt64(st.st_ino) }) {
                throw Conflict(
                    option: option, output: output, input: input.name,
                    reason: "standard output is redirected to that file")
            }
            return
        }
        if stat(output, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFREG else { return }
            if let input = inputs.first(where: { $0.device == UInt64(st.st_dev) && $0.inode == UInt64(st.st_ino) }) {
                var link = stat()
                let reason: String
                if input.name == "-" {
                    reason = "standard input is read from that file"
                } else if lstat(output, &link) == 0 && (link.st_mode & S_IFMT) == S_IFLNK {
                    reason = "a symbolic link to the same file"
                } else if Self.realPath(of: output) == input.realPath {
                    reason = "the same file"
                } else {
                    reason = "the same file under another name: a hard link, device \(st.st_dev) inode \(st.st_ino)"
                }
                throw Conflict(option: option, output: output, input: input.name, reason: reason)
            }
            return
        }
        // Not there yet (or a dangling symbolic link): compare where it would be created.
        guard let target = Self.pathToCreate(output) else { return }
        if let input = inputs.first(where: { $0.realPath == target }) {
            throw Conflict(
                option: option, output: output, input: input.name, reason: "the same path once links are resolved")
        }
    }

    /// `realpath(3)` of an existing path.
    static func realPath(of path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The real path a file created at `path` would get: the directory resolved, and a final symbolic link
    /// followed (at most 40 times, as the kernel does).
    public static func pathToCreate(_ path: String) -> String? {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { break }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, Int(PATH_MAX))
            guard count > 0 else { return nil }
            let link = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : directory(of: current) + "/" + link
        }
        let (directory, name) = (directory(of: current), lastComponent(of: current))
        guard let resolved = realPath(of: directory) else { return nil }
        return resolved == "/" ? "/" + name : resolved + "/" + name
    }

    /// The directory part of `path` ("." when there is none).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The name after the last slash.
    public static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
