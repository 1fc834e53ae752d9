#if canImport(Glibc)
import Glibc
#endif

/// The process the bench runs in.
public enum RunningProcess {
    /// The path of the running executable (/proc/self/exe; argv[0] when it cannot be read): the bench's measured
    /// children run the same binary.
    public static var executablePath: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return CommandLine.arguments[0]
    }
}
