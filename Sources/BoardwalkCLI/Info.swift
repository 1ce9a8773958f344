// `boardwalk info` and `boardwalk verify`.
import ArgumentParser
import Boardwalk
import Foundation

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a graph's counts, degree distributions and build parameters.")

    @Argument(help: ArgumentHelp("The graph file.", valueName: "graph"))
    var graph: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reportingFailures {
            // Mapped whole (one read of the file, fast when cached), so that the
            // huge-page share describes the file, not the few pages opening reads.
            let g = try Graph(path: graph, options: .prefault)
            let s = g.stats
            let huge = g.hugePages()
            let qs = [0.0, 0.5, 0.9, 0.99, 1.0]
            func degrees(_ kind: NodeKind) throws -> [String: UInt32] {
                guard (kind == .pin ? s.pins : s.boards) > 0 else { return [:] }
                let d = try g.degreeQuantiles(of: kind, at: qs)
                return ["min": d[0], "median": d[1], "p90": d[2], "p99": d[3], "max": d[4]]
            }
            let pinDeg = try degrees(.pin), boardDeg = try degrees(.board)
            let perEdge = s.edges > 0 ? Double(s.fileBytes) / Double(s.edges) : 0
            let layout = ArrayLayout(s)
            if json {
                let build = (try? JSONSerialization.jsonObject(with: Data(g.buildInfo.utf8))) ?? [:]
                try printJSON([
                    "path": graph, "format_version": s.formatVersion, "pins": s.pins, "boards": s.boards,
                    "edges": s.edges, "file_bytes": s.fileBytes, "bytes_per_edge": perEdge,
                    "chunk_bytes": s.chunkBytes, "chunks": s.chunks, "created_unix": s.createdUnix,
                    "array_bytes": Dictionary(uniqueKeysWithValues: layout.arrays.map { ($0.name, $0.bytes) }),
                    "title_text_chunks": layout.titleTextChunks,
                    "fingerprint": String(format: "%016llx", s.fingerprint),
                    "duplicate_edges": s.duplicateEdges, "invalid_lines": s.invalidLines,
                    "has_pin_titles": s.hasPinTitles, "has_board_titles": s.hasBoardTitles,
                    "has_attributes": s.hasAttributes, "pin_degree": pinDeg, "board_degree": boardDeg,
                    "watermark": g.watermark ?? NSNull() as Any,
                    "huge_page_share": huge?.share ?? NSNull() as Any,
                    "build": build,
                ])
                return
            }
            let created = Date(timeIntervalSince1970: TimeInterval(s.createdUnix))
            print("graph \(graph)")
            print("  format version \(s.formatVersion), built \(ISO8601DateFormatter().string(from: created))")
            print("  \(s.pins) pins, \(s.boards) boards, \(s.edges) edges")
            print(String(format: "  file %llu bytes (%.2f bytes/edge); %llu chunk records of at most %@ each", s.fileBytes, perEdge,
                         s.chunks, binarySize(s.chunkBytes)))
            let known = layout.arrays.reduce(UInt64(0)) { $0 + $1.bytes }
            let titles = s.hasPinTitles || s.hasBoardTitles
            var arrays = "  arrays: ids, adjacency, attributes\(titles ? ", title offsets" : ""): \(known) bytes"
            arrays += " in \(layout.knownChunks) chunk\(layout.knownChunks == 1 ? "" : "s")"
            if s.hasPinTitles || s.hasBoardTitles {
                arrays += "; title text in \(layout.titleTextChunks) chunk\(layout.titleTextChunks == 1 ? "" : "s")"
            }
            print(arrays)
            func line(_ name: String, _ d: [String: UInt32]) {
                guard !d.isEmpty else { return }
                print("  \(name) degree: min \(d["min"]!), median \(d["median"]!), p90 \(d["p90"]!), p99 \(d["p99"]!), max \(d["max"]!)")
            }
            line("pin", pinDeg)
            line("board", boardDeg)
            print("  titles: pins \(s.hasPinTitles ? "yes" : "no"), boards \(s.hasBoardTitles ? "yes" : "no"); attributes: \(s.hasAttributes ? "yes" : "no")")
            print("  watermark: \(g.watermark.map { "\($0) (the newest edge time the graph contains)" } ?? "none")")
            print("  huge pages: \(hugePageWords(huge))")
            print("  build: \(s.duplicateEdges) duplicate edges collapsed, \(s.invalidLines) invalid lines skipped")
            print(String(format: "  fingerprint %016llx", s.fingerprint))
            print("  parameters: \(g.buildInfo)")
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every checksum and the structure of a graph file; exit 1 naming what is wrong.")

    @Argument(help: ArgumentHelp("The graph file.", valueName: "graph"))
    var graph: String

    @Flag(help: ArgumentHelp("Print one JSON object: path, ok, and the counts and seconds, or error (also on standard error; exit code 1)."))
    var json = false

    func run() throws {
        try reportingFailures {
            let start = Date()
            do {
                let g = try Graph(path: graph)
                try g.verify()
                let s = g.stats
                let seconds = Date().timeIntervalSince(start)
                if json {
                    try printJSON(["path": graph, "ok": true, "pins": s.pins, "boards": s.boards, "edges": s.edges, "seconds": seconds])
                } else {
                    print(String(format: "%@: ok (%llu pins, %llu boards, %llu edges, verified in %.2fs)", graph, s.pins, s.boards,
                                 s.edges, seconds))
                }
            } catch let e where json {
                // The verdict for scripts on standard output; the message and exit code as without --json.
                try printJSON(["path": graph, "ok": false, "error": readable(e)])
                throw e
            }
        }
    }
}

/// The arrays a graph stores, sized from its counts as the builder lays them
/// out (element count × element size; chunks = ⌈bytes / chunk size⌉). The
/// title text's size is not among the counts: its chunks are the rest of the
/// chunk records.
struct ArrayLayout {
    var arrays: [(name: String, bytes: UInt64)] = []
    var knownChunks: UInt64 = 0
    var titleTextChunks: UInt64 = 0

    init(_ s: GraphStats) {
        arrays = [
            ("pin_ids", s.pins * 8), ("board_ids", s.boards * 8),
            ("pin_offsets", (s.pins + 1) * 8), ("pin_adjacency", s.edges * 4),
            ("board_offsets", (s.boards + 1) * 8), ("board_adjacency", s.edges * 4),
            ("pin_attributes", s.pins * 4), ("board_attributes", s.boards * 4),
        ]
        if s.hasPinTitles { arrays.append(("pin_title_offsets", (s.pins + 1) * 8)) }
        if s.hasBoardTitles { arrays.append(("board_title_offsets", (s.boards + 1) * 8)) }
        let chunk = max(s.chunkBytes, 1)
        knownChunks = arrays.reduce(0) { $0 + ($1.bytes + chunk - 1) / chunk }
        titleTextChunks = s.chunks >= knownChunks ? s.chunks - knownChunks : 0
    }
}

/// How much of a graph's mapped memory is in huge pages, in words, with what
/// to do when it is not.
func hugePageWords(_ usage: HugePageUsage?) -> String {
    guard let usage else { return "unknown (this platform does not say)" }
    var text = String(format: "%.1f%% of the %@ mapped", usage.share * 100, binarySize(usage.residentBytes))
    if usage.share < 0.9 {
        text += " (the rest in 4 KiB pages: walks run at up to half speed; --huge-pages on query, bench and eval fixes it)"
    }
    return text
}

/// 1073741824 → "1 GiB", 65536 → "64 KiB".
func binarySize(_ bytes: UInt64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] as [(String, UInt64)] where bytes >= 1 << shift {
        let v = Double(bytes) / Double(UInt64(1) << shift)
        return v == v.rounded() ? "\(UInt64(v)) \(unit)" : String(format: "%.2f %@", v, unit)
    }
    return "\(bytes) bytes"
}
