import Foundation

/// The memory this process may use, in bytes: the machine's physical memory, or the smallest
/// control-group limit that applies when smaller (Linux: this process's cgroup from
/// `/proc/self/cgroup` and the top-level files, `memory.max` of cgroup v2 and
/// `memory.limit_in_bytes` of cgroup v1; "max" and unparsable values mean no limit). Used to
/// refuse sizes that could not be allocated, since a failed allocation is a crash rather than
/// an error.
public func usableMemoryBytes() -> Double {
    var bytes = Double(ProcessInfo.processInfo.physicalMemory)
    #if os(Linux)
    var files = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
    if let lines = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) {
        for line in lines.split(separator: "\n") {
            // "hierarchy-ID:controllers:path"; v2 has ID 0 and no controllers.
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[2] != "/" else { continue }
            if parts[0] == "0" && parts[1].isEmpty {
                files.append("/sys/fs/cgroup\(parts[2])/memory.max")
            } else if parts[1].split(separator: ",").contains("memory") {
                files.append("/sys/fs/cgroup/memory\(parts[2])/memory.limit_in_bytes")
            }
        }
    }
    for path in files {
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
           let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
            bytes = min(bytes, limit)
        }
    }
    #endif
    return bytes
}

/// `bytes` in GiB with one decimal ("1.5 GiB"), for messages about memory.
public func gibibytes(_ bytes: Double) -> String { String(format: "%.1f GiB", bytes / 1_073_741_824) }
