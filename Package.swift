// swift-tools-version:6.0
// Boardwalk: a Pixie-style random-walk recommendation engine over a pin-board
// graph stored in LMDB. The read path and the C ABI are C (CBoardwalk); Swift
// builds graphs, wraps the ABI and drives the command-line tool.
import PackageDescription

let package = Package(
    name: "Boardwalk",
    products: [
        .library(name: "Boardwalk", targets: ["Boardwalk"]),
        .executable(name: "boardwalk", targets: ["BoardwalkCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target Boardwalk` (a command
        // plugin: nothing of it is built by `swift build`).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "CBoardwalk",
            dependencies: ["CLMDB"],
            cSettings: [
                .define("NDEBUG", .when(configuration: .release)),
                .define("_GNU_SOURCE"),
            ],
            linkerSettings: [.linkedLibrary("lmdb"), .linkedLibrary("m"), .linkedLibrary("pthread")]
        ),
        .target(
            name: "Boardwalk",
            dependencies: ["CBoardwalk", "CLMDB", "CZlib"]
        ),
        .executableTarget(
            name: "BoardwalkCLI",
            dependencies: [
                "Boardwalk",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "BoardwalkTests",
            dependencies: ["Boardwalk", "CBoardwalk"]
        ),
    ]
)
