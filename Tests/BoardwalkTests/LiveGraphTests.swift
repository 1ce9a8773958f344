// LiveGraph: swapping the graph under running queries, from Swift.
import Boardwalk
import Foundation
import XCTest

final class LiveGraphTests: XCTestCase {
    private let pin = PinID(7_136_620_868_348_139_334)  // in Graphs/sample
    private var parameters: WalkParameters {
        var p = WalkParameters()
        p.steps = 20_000
        p.seed = 5
        p.top = 40
        return p
    }

    /// The sample graph, and the sample with two boards per pin: the query
    /// pin is in both, with different recommendations.
    private func twoGraphs(_ dir: TempDir) throws -> (String, String) {
        let edges = repositoryRoot + "/Graphs/sample/edges.tsv"
        let a = dir.file("a.bwg"), b = dir.file("b.bwg")
        let full = try GraphBuilder()
        try full.addEdges(from: edges)
        _ = try full.build(to: a)
        var options = BuildOptions()
        options.pruning.maxPinDegree = 2
        let pruned = try GraphBuilder(options: options)
        try pruned.addEdges(from: edges)
        _ = try pruned.build(to: b)
        return (a, b)
    }

    private func openFiles() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }

    /// Lines of /proc/self/maps, read to the end with stdio (procfs reports
    /// a size of 0, and the map of a sanitized process is long).
    private func mapLines() -> [String] {
        guard let f = fopen("/proc/self/maps", "r") else { return [] }
        defer { fclose(f) }
        var lines: [String] = []
        var buf = [CChar](repeating: 0, count: 8192)
        while fgets(&buf, Int32(buf.count), f) != nil {
            lines.append(String(decoding: buf.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return lines
    }

    /// Mappings of the file at `path`; /proc/self/maps names it by its real
    /// path (symbolic links such as a linked TMPDIR resolved).
    private func mappings(of path: String) -> Int {
        guard let real = realpath(path, nil) else {
            XCTFail("\(path): \(String(cString: strerror(errno)))")
            return -1
        }
        defer { free(real) }
        let name = " " + String(cString: real)
        return mapLines().filter { $0.hasSuffix(name) }.count
    }

    /// Mappings of the file with this inode (the fifth field of /proc/self/maps).
    private func mappings(ofInode inode: UInt64) -> Int {
        mapLines().filter { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            return fields.count >= 6 && UInt64(fields[4]) == inode
        }.count
    }

    private func inode(_ path: String) -> UInt64 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    func testQueriesNeverFailWhileTheGraphIsSwappedUnderLoad() throws {
        let dir = TempDir()
        let (a, b) = try twoGraphs(dir)
        let expected = [
            a: try Graph(path: a).recommend(pins: [pin: 1], parameters: parameters),
            b: try Graph(path: b).recommend(pins: [pin: 1], parameters: parameters),
        ]
        XCTAssertNotEqual(expected[a], expected[b])
        let filesBefore = openFiles()

        let swaps = 300
        do {
            let live = try LiveGraph(path: a)
            let tally = Tally()
            let group = DispatchGroup()
            for _ in 0..<4 {
                DispatchQueue.global().async(group: group) { [pin, parameters] in
                    var q = 0, f = 0, qa = 0, qb = 0
                    while !tally.stopped {
                        let graph = live.current  // holds its graph until the end of this iteration
                        do {
                            let got = try graph.recommend(pins: [pin: 1], parameters: parameters)
                            if got != expected[graph.path] { f += 1 }
                        } catch {
                            f += 1
                        }
                        if graph.path == a { qa += 1 } else { qb += 1 }
                        q += 1
                        tally.ran()
                    }
                    tally.add(queries: q, failures: f, onA: qa, onB: qb)
                }
            }
            // The lookup below that finds nothing left mapped must find the
            // files while they are open, or it would prove nothing.
            XCTAssertGreaterThan(mappings(of: a), 0, "the live graph's file \(a) is not seen mapped")
            XCTAssertEqual(mappings(of: b), 0)
            // At least `swaps` swaps, and more until the query threads have
            // answered 2 * swaps queries (at most two minutes): on a loaded
            // machine the swaps must not finish before the queries they race.
            var i = 0
            let giveUp = Date().addingTimeInterval(120)
            while i < swaps || (tally.running < 2 * swaps && Date() < giveUp) {
                i += 1
                try live.swap(to: i % 2 == 1 ? b : a)
                XCTAssertEqual(live.generation, UInt64(i))
                if i == 1 { XCTAssertGreaterThan(mappings(of: b), 0, "the live graph's file \(b) is not seen mapped") }
                if i % 50 == 0 {
                    // A missing or foreign file is an error and changes nothing.
                    XCTAssertThrowsError(try live.swap(to: dir.file("missing.bwg"))) { error in
                        guard case BoardwalkError.io = error else { return XCTFail("\(error)") }
                    }
                    let foreign = dir.write("foreign.bwg", String(repeating: "not a graph\n", count: 2000))
                    XCTAssertThrowsError(try live.swap(to: foreign)) { error in
                        guard case BoardwalkError.notAGraph = error else { return XCTFail("\(error)") }
                    }
                    XCTAssertEqual(live.generation, UInt64(i))
                }
                usleep(200)
            }
            tally.stop()
            group.wait()
            let (queries, failures, onA, onB) = tally.totals
            XCTAssertEqual(failures, 0)
            XCTAssertGreaterThan(onA, 0)
            XCTAssertGreaterThan(onB, 0)
            XCTAssertGreaterThanOrEqual(queries, 2 * swaps)
        }
        // The LiveGraph and every graph it handed out are gone: nothing left open or mapped.
        XCTAssertEqual(openFiles(), filesBefore)
        XCTAssertEqual(mappings(of: a), 0)
        XCTAssertEqual(mappings(of: b), 0)
    }

    func testAHeldGraphOutlivesTheSwapAndARenamedFileCanBeSwappedIn() throws {
        let dir = TempDir()
        let (a, b) = try twoGraphs(dir)
        let expectedB = try Graph(path: b).recommend(pins: [pin: 1], parameters: parameters)
        let serving = dir.file("serving.bwg")
        try FileManager.default.copyItem(atPath: a, toPath: serving)
        let live = try LiveGraph(path: serving)
        let oldInode = inode(serving)
        var held: Graph? = live.current
        let before = try held!.recommend(pins: [pin: 1], parameters: parameters)

        // Deploy: copy the new file beside the old one, rename it into place, swap.
        let staging = dir.file("serving.bwg.new")
        try FileManager.default.copyItem(atPath: b, toPath: staging)
        XCTAssertEqual(rename(staging, serving), 0)
        try live.swap(to: serving, options: .verify)
        XCTAssertEqual(try live.recommend(pins: [pin: 1], parameters: parameters), expectedB)
        // The graph held from before the swap still answers as the old file did.
        XCTAssertEqual(try held!.recommend(pins: [pin: 1], parameters: parameters), before)
        XCTAssertNotEqual(before, expectedB)
        XCTAssertNotEqual(inode(serving), oldInode)
        XCTAssertGreaterThan(mappings(ofInode: oldInode), 0)  // the old file, still mapped
        held = nil
        XCTAssertEqual(mappings(ofInode: oldInode), 0)

        // A graph opened elsewhere can be made live too.
        live.replace(with: try Graph(path: a))
        XCTAssertEqual(live.current.path, a)
        XCTAssertEqual(live.generation, 2)
    }
}

/// Counts from the query threads, and the flag that stops them.
private final class Tally: @unchecked Sendable {
    // Unchecked: every field is only touched under the lock.
    private let lock = NSLock()
    private var done = false
    private var counts = (0, 0, 0, 0)
    private var answered = 0
    var stopped: Bool { lock.withLock { done } }
    /// One more query answered (read while the threads run).
    func ran() { lock.withLock { answered += 1 } }
    var running: Int { lock.withLock { answered } }
    func stop() { lock.withLock { done = true } }
    func add(queries: Int, failures: Int, onA: Int, onB: Int) {
        lock.withLock { counts = (counts.0 + queries, counts.1 + failures, counts.2 + onA, counts.3 + onB) }
    }
    var totals: (Int, Int, Int, Int) { lock.withLock { counts } }
}
