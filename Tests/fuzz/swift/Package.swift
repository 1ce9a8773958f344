// swift-tools-version:6.1
// libFuzzer targets for Boardwalk's Swift parsers (issue 6). A package of its
// own so that the main package stays free of fuzzing flags; build and run
// with Tests/fuzz/run_swift.sh, which passes --sanitize=fuzzer --sanitize=address.
//
// Each target is an executable whose one file is compiled with
// -parse-as-library and defines LLVMFuzzerTestOneInput: there is no Swift
// main, so the link takes libFuzzer's.
import PackageDescription

let fuzzerSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "BoardwalkFuzz",
    dependencies: [
        // No traits: boardwalk-server's packages (SwiftNIO, Hummingbird) are
        // then not even fetched, as for any host of the library alone.
        .package(name: "Boardwalk", path: "../../..", traits: []),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "Boardwalk", package: "Boardwalk")]
        ),
        // Edge lists (and title and attribute files) through GraphBuilder.
        .executableTarget(
            name: "FuzzEdges",
            dependencies: ["FuzzSupport", .product(name: "Boardwalk", package: "Boardwalk")],
            swiftSettings: fuzzerSettings
        ),
        // `boardwalk query --batch` lines through WalkRequest and a walk.
        .executableTarget(
            name: "FuzzBatch",
            dependencies: ["FuzzSupport", .product(name: "Boardwalk", package: "Boardwalk")],
            swiftSettings: fuzzerSettings
        ),
    ]
)
