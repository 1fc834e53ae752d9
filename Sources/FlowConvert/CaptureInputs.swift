#if canImport(Glibc)
import Glibc
#endif

/// The inputs of a command line with every directory replaced by the pcap and pcapng files in it, recognised by
/// their magic number (not their name) and taken in byte order of their names; with `recursive`, subdirectories
/// are searched too, depth first, in the same order. Files and `-` given by name are kept as given, even when
/// they are not captures (reading them then says why).
public struct CaptureInputs {
    /// The files to read, in order.
    public var paths: [String] = []
    /// Files in the directories that are not captures (and special files: FIFOs, sockets, devices).
    public var skipped: [String] = []
    /// Subdirectories not searched (without `recursive`).
    public var subdirectoriesNotSearched: [String] = []

    /// Why the inputs cannot be listed.
    enum Failure: Error, CustomStringConvertible {
        case noCapture(directory: String, subdirectories: Int)
        case unreadable(path: String, message: String)

        var description: String {
            switch self {
            case .noCapture(let directory, let subdirectories):
                let hint =
                    subdirectories > 0
                    ? "its \(subdirectories) subdirector\(subdirectories == 1 ? "y was" : "ies were") not searched: "
                        + "add --recursive"
                    : "give a directory that holds .pcap or .pcapng captures"
                return "no pcap or pcapng capture in the directory '\(directory)' (\(hint))"
            case .unreadable(let path, let message):
                return
                    "cannot read '\(path)' to see whether it is a capture: \(message) (make it readable, or move it "
                    + "out of the directory)"
            }
        }
    }

    /// Lists `arguments`, expanding directories.
    public static func expand(_ arguments: [String], recursive: Bool) throws -> CaptureInputs {
        var inputs = CaptureInputs()
        for argument in arguments {
            var st = stat()
            guard argument != "-", stat(argument, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                inputs.paths.append(argument)
                continue
            }
            let before = inputs.paths.count
            let subdirectoriesBefore = inputs.subdirectoriesNotSearched.count
            var visited: Set<[UInt64]> = []
            try inputs.search(directory: argument, recursive: recursive, visited: &visited)
            if inputs.paths.count == before {
                throw Failure.noCapture(
                    directory: argument,
                    subdirectories: inputs.subdirectoriesNotSearched.count - subdirectoriesBefore)
            }
        }
        return inputs
    }

    /// Adds the captures of `directory` (and of its subdirectories when `recursive`) in name order.
    mutating func search(directory: String, recursive: Bool, visited: inout Set<[UInt64]>) throws {
        var st = stat()
        if stat(directory, &st) == 0 {
            // A symbolic link back up the tree is searched once.
            guard visited.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else { return }
        }
        guard let stream = opendir(directory) else {
            throw Failure.unreadable(path: directory, message: String(cString: strerror(errno)))
        }
        var names: [[UInt8]] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        closedir(stream)
        names.sort { $0.lexicographicallyPrecedes($1) }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names {
            let path = prefix + String(decoding: name, as: UTF8.self)
            var st = stat()
            guard stat(path, &st) == 0 else {
                // A dangling symbolic link: nothing to read.
                skipped.append(path)
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                if recursive {
                    try search(directory: path, recursive: true, visited: &visited)
                } else {
                    subdirectoriesNotSearched.append(path)
                }
            case S_IFREG:
                if try Self.isCapture(path) { paths.append(path) } else { skipped.append(path) }
            default:
                skipped.append(path)
            }
        }
    }

    /// Whether the file starts with a pcap (either byte order, microsecond or nanosecond) or pcapng magic number.
    static func isCapture(_ path: String) throws -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure.unreadable(path: path, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        var count = 0
        while count < 4 {
            let n = magic.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, 4 - count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Failure.unreadable(path: path, message: String(cString: strerror(errno))) }
            if n == 0 { return false }
            count += n
        }
        return Self.magicNumbers.contains(magic)
    }

    /// The first four bytes of a capture file: pcap with microsecond and nanosecond times in both byte orders,
    /// and the pcapng section header block type.
    static let magicNumbers: [[UInt8]] = [
        [0xA1, 0xB2, 0xC3, 0xD4], [0xD4, 0xC3, 0xB2, 0xA1], [0xA1, 0xB2, 0x3C, 0x4D], [0x4D, 0x3C, 0xB2, 0xA1],
        [0x0A, 0x0D, 0x0D, 0x0A],
    ]

    /// One line about what the directories held besides captures (nil when nothing was left out).
    public var skippedNote: String? {
        var parts: [String] = []
        if !skipped.isEmpty {
            let shown = skipped.prefix(20).map { "'\($0)'" }.joined(separator: ", ")
            let more = skipped.count > 20 ? " and \(skipped.count - 20) more" : ""
            let files = skipped.count == 1 ? "1 file that is" : "\(skipped.count) files that are"
            parts.append("skipped \(files) not pcap or pcapng captures: \(shown)\(more)")
        }
        if !subdirectoriesNotSearched.isEmpty {
            let count = subdirectoriesNotSearched.count
            parts.append(
                "did not search \(count) subdirector\(count == 1 ? "y" : "ies") (--recursive searches them)")
        }
        return parts.isEmpty ? nil : "note: " + parts.joined(separator: "; ")
    }
}
