// swift-tools-version:6.1
// Boardwalk: a Pixie-style random-walk recommendation engine over a pin-board
// graph stored in LMDB. The read path and the C ABI are C (CBoardwalk); Swift
// builds graphs, wraps the ABI and drives the command-line tool.
//
// `boardwalk-server` (the HTTP service `boardwalk serve` hands over to) is
// the only target built on SwiftNIO and Hummingbird, and only with the
// `Server` trait (on by default). A host that depends on the `Boardwalk`
// library product never compiles them; `--disable-default-traits` builds the
// server as a stub that says how to get the real one (the sanitizer runs of
// Tools/test use it so that they never compile NIO).
import PackageDescription

/// A dependency of the server, compiled only with the `Server` trait.
func server(_ product: String, _ package: String) -> Target.Dependency {
    .product(name: product, package: package, condition: .when(traits: ["Server"]))
}

let package = Package(
    name: "Boardwalk",
    products: [
        .library(name: "Boardwalk", targets: ["Boardwalk"]),
        .executable(name: "boardwalk", targets: ["BoardwalkCLI"]),
        .executable(name: "boardwalk-server", targets: ["BoardwalkServer"]),
    ],
    traits: [
        .trait(name: "Server", description: "Build boardwalk-server on Hummingbird 2 (SwiftNIO); without it the server is a stub."),
        .default(enabledTraits: ["Server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target Boardwalk` (a command
        // plugin: nothing of it is built by `swift build`).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // boardwalk-server only (the Server trait).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
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
        .executableTarget(
            name: "BoardwalkServer",
            dependencies: [
                "Boardwalk",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                server("Hummingbird", "hummingbird"),
                server("HummingbirdCore", "hummingbird"),
                server("HTTPTypes", "swift-http-types"),
                server("Logging", "swift-log"),
                server("Metrics", "swift-metrics"),
                server("Prometheus", "swift-prometheus"),
                server("ServiceLifecycle", "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "BoardwalkTests",
            dependencies: ["Boardwalk", "CBoardwalk"]
        ),
    ]
)
