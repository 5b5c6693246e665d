// swift-tools-version:6.0
// Recurrent: Keras-exact recurrent neural networks on fast CPU kernels.
import PackageDescription

let package = Package(
    name: "Recurrent",
    platforms: [.macOS(.v13)],
    // Products by concern (README, "Modules and products"): a program that only builds and trains
    // models depends on RecurrentCore and pulls in no text, dataset, report or command-line code.
    // The umbrella `Recurrent` re-exports every library module. Later modules get their own
    // products here: RecurrentExchange (Keras and ONNX files, registering with ModelFormats),
    // RecurrentServing (the HTTP server) and RecurrentDistributed (MPI, built only by recurrent-mpi).
    products: [
        .library(name: "Recurrent", targets: ["Recurrent"]),
        .library(name: "RecurrentCore", targets: ["RecurrentNN"]),
        .library(name: "RecurrentText", targets: ["RecurrentText"]),
        .library(name: "RecurrentPipelines", targets: ["RecurrentPipelines"]),
        .library(name: "RecurrentDatasets", targets: ["RecurrentDatasets"]),
        .executable(name: "recurrent", targets: ["RecurrentCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // RecurrentDatasets: gunzip of the IMDB/Reuters .tar.gz (zlib through SwiftNIO byte buffers).
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.40.0"),
        // SHA-256 for model-file checksums and data files (and the MD5 some data publishers give).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // OpenBLAS on Linux (Debian's libopenblas-dev, installed by scripts/install-deps.sh).
        // On macOS the tensor module uses Accelerate instead.
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]
        ),
        // Fused elementwise kernels of the recurrent cells and optimizers, and the packed GEMM of the
        // per-step recurrent products (C, dispatched to AVX-512/AVX2 at run time).
        .target(name: "CKernels"),
        // Tensor kernels: storage, BLAS GEMM, vectorised elementwise math, RNG, initializers.
        .target(
            name: "RecurrentTensor",
            dependencies: ["CKernels", .target(name: "COpenBLAS", condition: .when(platforms: [.linux]))]
        ),
        // Layers, recurrent kernels, losses, optimizers, the model container and its file format.
        .target(
            name: "RecurrentNN",
            dependencies: ["RecurrentTensor", "CKernels", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // SentencePiece from the system (Debian's libsentencepiece-dev, Homebrew's sentencepiece),
        // found through pkg-config; installed by scripts/install-deps.sh.
        .systemLibrary(
            name: "CSentencePieceLibrary",
            path: "Sources/CSentencePieceLibrary",
            pkgConfig: "sentencepiece",
            providers: [.apt(["libsentencepiece-dev"]), .brew(["sentencepiece"])]
        ),
        // A plain C interface over SentencePiece's C++ API (a small C++ shim).
        .target(name: "CSentencePiece", dependencies: ["CSentencePieceLibrary"]),
        // Text preprocessing: Keras's legacy Tokenizer, pad_sequences, to_categorical, Korean
        // cleaning and SentencePiece subwords.
        .target(name: "RecurrentText", dependencies: ["RecurrentTensor", "CSentencePiece"]),
        // Loaders of the lecture's datasets (NSMC, IMDB, Reuters, SMS spam, NYT headlines) with load
        // reports, checksums and resumable downloads.
        .target(
            name: "RecurrentDatasets",
            dependencies: [
                "RecurrentTensor",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Run folders: training curves and predictions as SVG, history files, an HTML page.
        .target(name: "RecurrentReports", dependencies: ["RecurrentNN"]),
        // Text pipelines of saved models: classification (tokens, padding, labels; the versioned
        // "pipeline" attachment) and next-word generation (what `predict` and `generate` use).
        .target(name: "RecurrentPipelines", dependencies: ["RecurrentNN", "RecurrentText", "RecurrentDatasets"]),
        // The lecture's experiments as specifications, built on the public API only (`recurrent run NAME`).
        .target(name: "RecurrentExperiments", dependencies: ["Recurrent", "RecurrentDatasets"]),
        // The public library: re-exports every module.
        .target(name: "Recurrent", dependencies: ["RecurrentTensor", "RecurrentNN", "RecurrentText", "RecurrentDatasets", "RecurrentReports", "RecurrentPipelines"]),
        // The `recurrent` tool's commands, as a library that tests call.
        .target(
            name: "RecurrentCommands",
            dependencies: ["Recurrent", "RecurrentExperiments", "CKernels", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The `recurrent` command-line tool: a `main` that runs RecurrentCommands.
        .executableTarget(name: "RecurrentCLI", dependencies: ["RecurrentCommands"]),
        // Tests, one target per module, sharing the fixture loaders, the Double references and
        // the data-directory lookup in RecurrentTestSupport; the golden files are Tests/Fixtures.
        .target(
            name: "RecurrentTestSupport",
            dependencies: ["Recurrent"],
            path: "Tests/RecurrentTestSupport"
        ),
        .testTarget(name: "RecurrentTensorTests", dependencies: ["RecurrentTestSupport", "Recurrent"]),
        .testTarget(name: "RecurrentNNTests", dependencies: ["RecurrentTestSupport", "Recurrent"]),
        // The pipelines' generator test takes its data from the textgen experiments.
        .testTarget(name: "RecurrentTextTests", dependencies: ["RecurrentTestSupport", "Recurrent", "RecurrentExperiments"]),
        .testTarget(
            name: "RecurrentDatasetsTests",
            // CompressNIO and NIOCore: the dataset tests gzip small archives they write.
            dependencies: [
                "RecurrentTestSupport", "Recurrent",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "RecurrentAppTests",
            dependencies: [
                "RecurrentTestSupport", "Recurrent", "RecurrentExperiments", "RecurrentCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
