import Foundation

/// The memory this process may use, in bytes: the machine's physical memory, or the control
/// group's limit when one is set and smaller (Linux `memory.max` of cgroup v2, else
/// `memory.limit_in_bytes` of cgroup v1). Used to refuse sizes that could not be allocated,
/// since a failed allocation is a crash rather than an error.
public func usableMemoryBytes() -> Double {
    var bytes = Double(ProcessInfo.processInfo.physicalMemory)
    #if os(Linux)
    for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
           let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
            bytes = min(bytes, limit)
            break
        }
    }
    #endif
    return bytes
}
