// Helpers shared by the tests: temporary directories, running the
// `boardwalk` command, and small graphs.
import Boardwalk
import Foundation
import XCTest

/// A temporary directory removed when the object goes away.
final class TempDir {
    let path: String
    init() {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("boardwalk-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
}

/// The repository root (this file is Tests/BoardwalkTests/TestSupport.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A test that cannot run as it should: thrown, it fails the test (unlike
/// XCTSkip, which would let a missing binary or data set pass in CI).
struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// The build configuration of these tests, as `swift build -c` names it.
#if DEBUG
    let buildConfiguration = "debug"
#else
    let buildConfiguration = "release"
#endif

/// The directory the test bundle is in, `.build/<triple>/<config>` (or the
/// scratch path of a sanitizer build): the `boardwalk` executable of the
/// same build is beside it. Nil when it cannot be told.
let testBuildDirectory: String? = {
    // Linux: the test bundle is an executable, and /proc/self/exe names it.
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
        exe.hasSuffix(".xctest")
    {
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }
    // macOS: the .xctest bundle holding this code.
    let bundle = Bundle(for: TempDir.self).bundleURL
    if bundle.pathExtension == "xctest" { return bundle.resolvingSymlinksInPath().deletingLastPathComponent().path }
    return nil
}()

/// The `boardwalk` executable of the build under test: $BOARDWALK_CLI when
/// set (the sanitizer runs point it at their own build), else the one beside
/// the test bundle, else `.build/<config>/boardwalk` for this configuration.
/// Throws (failing the test, not skipping it) when there is none.
func boardwalkExecutable() throws -> String {
    if let p = ProcessInfo.processInfo.environment["BOARDWALK_CLI"], !p.isEmpty {
        guard FileManager.default.isExecutableFile(atPath: p) else {
            throw TestSetupError("BOARDWALK_CLI=\(p) is not an executable file")
        }
        return p
    }
    let p = (testBuildDirectory ?? repositoryRoot + "/.build/\(buildConfiguration)") + "/boardwalk"
    guard FileManager.default.isExecutableFile(atPath: p) else {
        throw TestSetupError(
            "the boardwalk executable of this \(buildConfiguration) build is missing: \(p) "
                + "(build it with `swift build -c \(buildConfiguration) --build-tests`, or set BOARDWALK_CLI)")
    }
    return p
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var signaled: Bool
}

/// Runs `boardwalk` with arguments, optional standard input.
@discardableResult
func runBoardwalk(_ args: [String], stdin: String? = nil, cwd: String? = nil) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try boardwalkExecutable())
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    // stderr goes to a file so that neither stream can fill and block the child.
    let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("bw-stderr-\(UUID().uuidString)").path
    XCTAssertTrue(FileManager.default.createFile(atPath: errPath, contents: nil))
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    let out = Pipe(), inp = Pipe()
    let err = FileHandle(forWritingAtPath: errPath)!
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    try err.close()
    if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
    try inp.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return CommandResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                         signaled: p.terminationReason == .uncaughtSignal)
}

/// A generated edge list as (pin, board) pairs plus its text.
func generatedEdges(pins: Int, boards: Int, edges: Int, communities: Int = 10, seed: UInt64 = 1)
    throws -> (pairs: [(UInt64, UInt64)], text: String)
{
    var p = GeneratorParameters()
    p.pins = pins; p.boards = boards; p.edges = edges; p.communities = communities; p.seed = seed
    let g = try EdgeGenerator(p)
    var pairs: [(UInt64, UInt64)] = []
    var text = "pin_id\tboard_id\n"
    g.forEachEdge { pin, board in
        let e = (g.pinID(pin).rawValue, g.boardID(board).rawValue)
        pairs.append(e)
        text += "\(e.0)\t\(e.1)\n"
    }
    return (pairs, text)
}

/// Compresses a file in place as gzip(1) does, and returns the new
/// path (`path` + ".gz"; the original is gone).
func gzip(_ path: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["gzip", "-f", path]
    try p.run()
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0)
    let gz = path + ".gz"
    let head = try Data(contentsOf: URL(fileURLWithPath: gz)).prefix(2)
    XCTAssertEqual(Array(head), [0x1F, 0x8B], "\(gz) is not gzip data")
    XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    return gz
}

/// Asserts that `expression` throws a ``BoardwalkError`` for which `matches`
/// is true and, when `text` is given, whose message contains it. Anything
/// else (no error, another error) fails, naming what was thrown.
///
///     assertThrows(try g.recommend(pins: [:]), containing: "restart") {
///         if case .invalidArgument = $0 { true } else { false }
///     }
func assertThrows<T>(_ expression: @autoclosure () throws -> T, _ message: @autoclosure () -> String = "",
                     containing text: String? = nil, file: StaticString = #filePath, line: UInt = #line,
                     _ matches: (BoardwalkError) -> Bool)
{
    let context = message().isEmpty ? "" : " (\(message()))"
    do {
        let value = try expression()
        XCTFail("no error thrown, got \(value)\(context)", file: file, line: line)
    } catch let error as BoardwalkError {
        XCTAssertTrue(matches(error), "the wrong error: \(caseName(error)): \(error)\(context)", file: file, line: line)
        if let text {
            XCTAssertTrue("\(error)".contains(text), "\"\(error)\" does not mention \"\(text)\"\(context)",
                          file: file, line: line)
        }
    } catch {
        XCTFail("not a BoardwalkError: \(String(reflecting: error))\(context)", file: file, line: line)
    }
}

/// The case of an error with a payload (`malformedInput`), for messages.
private func caseName(_ error: BoardwalkError) -> String {
    Mirror(reflecting: error).children.first?.label ?? "\(error)"
}
