// swift-tools-version:6.0
// Recurrent: Keras-exact recurrent neural networks on fast CPU kernels.
import PackageDescription

let package = Package(
    name: "Recurrent",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Recurrent", targets: ["Recurrent"]),
        .executable(name: "recurrent", targets: ["RecurrentCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // RecurrentDatasets: gunzip of the IMDB/Reuters .tar.gz (zlib through SwiftNIO byte buffers).
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.40.0"),
        // RecurrentDatasets: SHA-256 (and the MD5 some publishers give) of data files.
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
        // Fused elementwise kernels of the recurrent cells (C, dispatched to AVX-512/AVX2 at run time).
        .target(name: "CKernels"),
        // Tensor kernels: storage, BLAS GEMM, vectorised elementwise math, RNG, initializers.
        .target(
            name: "RecurrentTensor",
            dependencies: ["CKernels", .target(name: "COpenBLAS", condition: .when(platforms: [.linux]))]
        ),
        // Layers, recurrent kernels, losses, optimizers and the model container.
        .target(
            name: "RecurrentNN",
            dependencies: ["RecurrentTensor", "CKernels"]
        ),
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
        // The public library: re-exports every module.
        .target(name: "Recurrent", dependencies: ["RecurrentTensor", "RecurrentNN", "RecurrentDatasets"]),
        // The `recurrent` command-line tool.
        .executableTarget(
            name: "RecurrentCLI",
            dependencies: ["Recurrent", "CKernels", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "RecurrentTests",
            // CompressNIO and NIOCore: the dataset tests gzip small archives they write.
            dependencies: [
                "Recurrent",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
