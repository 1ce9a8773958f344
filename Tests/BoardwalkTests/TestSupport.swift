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

/// The `boardwalk` executable built alongside the tests, or $BOARDWALK_CLI
/// (the sanitizer runs point it at their own build).
func boardwalkExecutable() throws -> String {
    if let p = ProcessInfo.processInfo.environment["BOARDWALK_CLI"], !p.isEmpty { return p }
    for config in ["debug", "release"] {
        let p = repositoryRoot + "/.build/\(config)/boardwalk"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    throw XCTSkip("the boardwalk executable is not built (run `swift build` first)")
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
