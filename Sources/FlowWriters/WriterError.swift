#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of the output side. Each names the path and the system's reason.
public enum WriterError: Error, CustomStringConvertible, Sendable {
    case cannotCreate(path: String, errno: Int32)
    case writeFailed(path: String, errno: Int32)
    case renameFailed(from: String, to: String, errno: Int32)
    case compression(path: String, message: String)
    /// A row whose number of values differs from the schema's columns (a plugin wrote more or fewer values than
    /// it declared).
    case rowDoesNotMatchSchema(path: String, id: UInt64, values: Int, columns: Int)

    /// The message the CLI prints: what failed, on which path, `strerror`'s reason and a hint for common errnos.
    public var description: String {
        switch self {
        case .cannotCreate(let path, let e):
            return "cannot create output '\(path)': \(Self.message(e))\(Self.hint(e))"
        case .writeFailed(let path, let e):
            return "cannot write output '\(path)': \(Self.message(e))\(Self.hint(e))"
        case .renameFailed(let from, let to, let e):
            return "cannot rename '\(from)' to '\(to)': \(Self.message(e))"
        case .compression(let path, let message):
            return "gzip compression of '\(path)' failed: \(message)"
        case .rowDoesNotMatchSchema(let path, let id, let values, let columns):
            return
                "row \(id) for '\(path)' has \(values) values but the schema has \(columns) columns (a feature plugin writes more or fewer values than its `columns` declare)"
        }
    }

    static func message(_ e: Int32) -> String { String(cString: strerror(e)) }

    static func hint(_ e: Int32) -> String {
        switch e {
        case ENOENT: return " (does the directory exist?)"
        case EACCES, EPERM, EROFS: return " (choose a writable location with -o)"
        case ENOSPC, EDQUOT: return " (free some space or write elsewhere)"
        case EPIPE: return " (the reader closed the pipe)"
        default: return ""
        }
    }
}
