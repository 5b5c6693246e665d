import ArgumentParser
import CKernels
import Foundation
import Recurrent

/// The `recurrent` tool's root command; the executable target's `main.swift` calls `main()`.
/// Tests parse and run its subcommands in-process (`RecurrentCommand.parseAsRoot([...])`).
public struct RecurrentCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "recurrent",
        abstract: "Keras-exact recurrent neural networks on fast CPU kernels.",
        subcommands: [Run.self, Predict.self, Generate.self, Datasets.self, Demo.self, Bench.self, Info.self])

    public init() {}

    /// Re-executes with a known OpenBLAS core type when needed, keeps freed memory in the heap,
    /// then parses the command line and runs the command (exiting with its status).
    public static func main() {
        OpenBLASSetup.reexecIfNeeded()
        // Keep freed memory in the heap: the per-batch tensors of the lecture's shapes (tens of
        // MB) would otherwise be fresh mmaps, page-faulted and zeroed by the kernel on every
        // step (20% of inference time was system time in profiles).
        rc_malloc_keep_heap()
        main(nil)
    }
}

/// A failure while a command runs, not a usage error: ArgumentParser prints "Error: …" without
/// the usage text and exits with status 1 (a `ValidationError` would print the usage, status 64).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Re-executes the tool with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to generic kernels
/// on a CPU it does not know (see `BLAS.suggestedCoreType`). OpenBLAS reads the variable only
/// when it loads, hence the re-exec. Set `OPENBLAS_CORETYPE` yourself to override.
enum OpenBLASSetup {
    static func reexecIfNeeded() {
        #if os(Linux)
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["RECURRENT_NO_REEXEC"] == nil,
              let core = BLAS.suggestedCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("RECURRENT_NO_REEXEC", "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the generic kernels.
        #endif
    }
}

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the BLAS kernels and threads in use.")
    func run() {
        print("BLAS: \(BLAS.coreName)")
        print("OPENBLAS_CORETYPE: \(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)")")
        print("threads: \(Parallel.workerCount)")
    }
}
