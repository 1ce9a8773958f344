// `boardwalk eval`: offline quality of the walk's candidates on the user's
// own data: leave-one-out split, HR@K and NDCG@K under full ranking and the
// sampled (99 negatives) protocol, coverage, popularity, latency, sweeps.
import ArgumentParser
import Boardwalk
import Foundation

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure recommendation quality offline (HR@K, NDCG@K, coverage, popularity, latency).",
        discussion: """
            Input: interactions user<TAB>item[<TAB>weight][<TAB>time] (users play boards, items play \
            pins), split leave-one-out per user (the last by time, or a random one with --seed when \
            there are no times); the graph is built from the rest. Or --graph with --held-out \
            (user<TAB>item): each user is a board of the graph and queries with its pins. A header \
            line naming the columns (user/user_id/board/board_id, item/item_id/pin/pin_id, \
            weight/score/rating, time/timestamp) may put them in any order. Ranks are pessimistic: an \
            item tied with the held-out one ranks above it. The popularity baseline ranks items by \
            their number of training interactions. No user to evaluate is an error; more than half \
            of the users skipped is a warning on standard error.
            """)

    @Argument(help: ArgumentHelp("Interactions file (user<TAB>item[<TAB>weight][<TAB>time]).", valueName: "interactions"))
    var interactions: String?
    @Option(help: ArgumentHelp("Evaluate on an existing graph (users are boards) …", valueName: "graph"))
    var graph: String?
    @Option(help: ArgumentHelp("… with this held-out file (user<TAB>item).", valueName: "file"))
    var heldOut: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Cut-offs K, comma-separated.", valueName: "k,…"))
    var k: String = "10"
    @Option(parsing: .unconditional, help: ArgumentHelp("Users with fewer distinct items are skipped.", valueName: "n"))
    var minInteractions: Int = 2
    @Option(help: ArgumentHelp("Query weights: uniform, weight (the input's), or recency.", valueName: "scheme"))
    var queryWeights: String = "uniform"
    @Option(parsing: .unconditional, help: ArgumentHelp("Sampled negatives per user for the sampled protocol.", valueName: "n"))
    var negatives: Int = 99
    @Option(parsing: .unconditional, help: ArgumentHelp("Evaluate at most this many users (a seeded sample).", valueName: "n"))
    var maxUsers: Int?
    @Option(help: ArgumentHelp(
        "Write the split to this directory: train.tsv (pin_id<TAB>board_id<TAB>weight<TAB>time, for boardwalk build) and test.tsv (user<TAB>item, for --held-out).",
        valueName: "dir"))
    var writeSplit: String?
    @Flag(help: "Try a grid of steps, restart and popularity penalty (with --method exact: exponent and penalty) and print a table.")
    var sweep = false
    @Flag(help: "With --write-split: write the split and stop (Tools/ranker/train.py makes its labels so).")
    var splitOnly = false
    @Option(help: ArgumentHelp(
        "A learned ranker's model file: evaluate the walk alone and the walk + ranker on the same users, with the paired difference. Train it on --write-split's train.tsv so that it never sees the held-out items.",
        valueName: "file"))
    var ranker: String?
    @Flag(help: hugePagesHelp)
    var hugePages = false
    @Flag(help: "Print JSON.")
    var json = false
    @Flag(name: .shortAndLong, help: "No progress on standard error.")
    var quiet = false
    @OptionGroup var walk: WalkOptions
    @Option(help: ArgumentHelp("Item attributes (item<TAB>language<TAB>topic) for the training graph: topics for --max-board-entropy and bias.", valueName: "file"))
    var pinAttributes: String?
    @Option(help: ArgumentHelp("The edge score pruning ranks by: weight or time (later is better).", valueName: "column"))
    var pruneScore: String = "weight"
    @OptionGroup(title: "Pruning of the training graph (as in build)")
    var pruning: PruningOptions
    @OptionGroup(title: "Live edges (as in query): the walks run over the graph plus these; users' queries, the catalogue and degrees come from the union")
    var liveEdges: LiveEdgeOptions

    func validate() throws {
        guard (interactions != nil) != (graph != nil) else { throw ValidationError("give an interactions file or --graph") }
        guard (graph == nil) == (heldOut == nil) else { throw ValidationError("--graph and --held-out go together") }
        guard let ks = parsedCutoffs, ks.allSatisfy({ $0 >= 1 && $0 <= 10000 }) else {
            throw ValidationError("--k takes cut-offs 1 … 10000, comma-separated, not \(k)")
        }
        guard ["uniform", "weight", "recency"].contains(queryWeights) else { throw ValidationError("--query-weights: uniform, weight or recency") }
        guard negatives >= 1 else { throw ValidationError("--negatives must be at least 1, not \(negatives)") }
        guard minInteractions >= 2 else { throw ValidationError("--min-interactions must be at least 2, not \(minInteractions)") }
        if let maxUsers, maxUsers < 1 { throw ValidationError("--max-users must be at least 1, not \(maxUsers)") }
        guard ["weight", "time"].contains(pruneScore) else { throw ValidationError("--prune-score: weight or time") }
        guard graph == nil || (pruning.rules.isEmpty && pinAttributes == nil) else {
            throw ValidationError("pruning and --pin-attributes apply to the graph eval builds, not to --graph")
        }
        if splitOnly && (writeSplit == nil || interactions == nil) {
            throw ValidationError("--split-only goes with an interactions file and --write-split")
        }
        if ranker != nil && sweep { throw ValidationError("--ranker and --sweep do not go together") }
    }

    /// The cut-offs in the order given, without repeats; nil when one is not an integer.
    var parsedCutoffs: [Int]? {
        var out: [Int] = []
        for part in k.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Int(part.trimmingCharacters(in: .whitespaces)) else { return nil }
            if !out.contains(v) { out.append(v) }
        }
        return out.isEmpty ? nil : out
    }
    var cutoffs: [Int] { parsedCutoffs ?? [10] }

    func run() throws {
        try reportingFailures {
            let model = try ranker.map { try Ranker(path: $0) }
            guard let setup = try prepare() else { return }
            if let model {
                let r = try evaluate(setup, try walk.parameters(), label: nil, ranker: model)
                if json { try printJSON(r.json(setup)) } else { r.print(setup, cutoffs) }
            } else if sweep {
                try runSweep(setup)
            } else {
                let r = try evaluate(setup, try walk.parameters(), label: nil)
                if json { try printJSON(r.json(setup)) } else { r.print(setup, cutoffs) }
            }
        }
    }

    /// Everything the evaluation needs, built once (the library's).
    typealias Setup = EvaluationSet

    /// Progress lines on standard error, at most about one a second (none with --quiet).
    final class Progress {
        let enabled: Bool
        private var last: UInt64 = 0
        init(enabled: Bool) { self.enabled = enabled }
        func note(_ text: @autoclosure () -> String, always: Bool = false) {
            guard enabled else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            if !always && now - last < 1_000_000_000 { return }
            last = now
            BoardwalkCLI.note("eval: " + text())
        }
        /// The library's progress reports; milestones always, others at most about once a second.
        func note(_ p: EvaluationProgress) { note(p.description, always: p.isMilestone) }
    }

    /// The evaluation's users and graph; nil after --split-only wrote the split.
    func prepare() throws -> Setup? {
        let start = Date()
        let progress = Progress(enabled: !quiet)
        let report: ((EvaluationProgress) -> Void)? = progress.enabled ? { progress.note($0) } : nil
        let setup: Setup
        if let interactions {
            progress.note("reading \(interactions)", always: true)
            let data = try EvaluationInput.interactions(from: interactions) { lines, bytes in
                progress.note(String(format: "reading  %@ lines, %@ MB, %.1fs", human(Double(lines)), human(Double(bytes) / 1e6),
                                     Date().timeIntervalSince(start)))
            }
            guard !data.isEmpty else { throw Failure("\(interactions): no interactions (an empty file?)") }
            progress.note("splitting \(data.count) interactions (\(String(format: "%.1fs", Date().timeIntervalSince(start))))", always: true)
            let split = LeaveOneOutSplit(data, minInteractions: minInteractions, seed: walk.seed)
            guard !split.heldOut.isEmpty else {
                throw Failure("none of the \(split.skippedUsers) users of \(interactions) has \(minInteractions) or more distinct items, "
                              + "so none can be evaluated (leave-one-out holds one out and queries with the rest); "
                              + "are the columns swapped? the file is read as user<TAB>item")
            }
            if let dir = writeSplit { try writeSplitFiles(split, to: dir) }
            if splitOnly {
                progress.note("wrote \(writeSplit!)/train.tsv (\(split.train.count) interactions) and test.tsv (\(split.heldOut.count) users)", always: true)
                return nil
            }
            var options = BuildOptions()
            options.pruning = pruning.rules
            let (added, removed) = try LiveEdgeOptions.lists(add: liveEdges.add, remove: liveEdges.remove)
            setup = try EvaluationSet(split: split, buildOptions: options, scoreByTime: pruneScore == "time",
                                      pinAttributes: pinAttributes, maxUsers: maxUsers, seed: walk.seed,
                                      liveEdges: added, removedEdges: removed, progress: report)
        } else {
            let g = try Graph(path: graph!, options: hugePages ? .hugePages : [])
            let (added, removed) = try LiveEdgeOptions.lists(add: liveEdges.add, remove: liveEdges.remove)
            setup = try EvaluationSet(graph: g, heldOut: try EvaluationInput.heldOut(from: heldOut!), heldOutName: heldOut!,
                                      graphName: graph!, maxUsers: maxUsers, seed: walk.seed,
                                      liveEdges: added, removedEdges: removed, progress: report)
        }
        if let c = setup.liveEdgesAdded { LiveEdgeOptions.noteAdded(c, liveEdges.add!, command: "eval") }
        if let c = setup.liveEdgesRemoved { LiveEdgeOptions.noteRemoved(c, liveEdges.remove!, command: "eval") }
        warnAboutSkips(setup, candidates: setup.candidates)
        return setup
    }

    /// Warnings on standard error (even with --quiet) when more than half of
    /// the users were skipped, or more than half of the evaluated users' held-out
    /// items cannot be recommended: metrics over what is left may not say
    /// what they seem to.
    func warnAboutSkips(_ s: Setup, candidates: Int) {
        let total = candidates + s.skipped
        if s.skipped * 2 > total {
            var reasons: [String] = []
            if s.skippedTooFew > 0 { reasons.append("\(s.skippedTooFew) with fewer than \(minInteractions) distinct items") }
            if s.skippedNotInGraph > 0 {
                reasons.append(graph != nil ? "\(s.skippedNotInGraph) not boards of the graph" : "\(s.skippedNotInGraph) with no training item left in the graph")
            }
            note(String(format: "eval: warning: %d of %d users (%.0f%%) skipped (%@); the metrics describe the other %d", s.skipped, total,
                        100 * Double(s.skipped) / Double(total), reasons.joined(separator: ", "), candidates))
        }
        if s.heldOutNotInGraph * 2 > s.users.count {
            note(String(format: "eval: warning: the held-out items of %d of %d evaluated users (%.0f%%) are not pins of the graph: they cannot be recommended and count as misses",
                        s.heldOutNotInGraph, s.users.count, 100 * Double(s.heldOutNotInGraph) / Double(s.users.count)))
        }
    }

    /// train.tsv as `boardwalk build` reads it (pin first, with a header
    /// naming the columns), test.tsv as --held-out reads it; each written
    /// beside its final name and renamed into place.
    func writeSplitFiles(_ split: LeaveOneOutSplit, to dir: String) throws {
        try makeDirectories(dir)
        try writeAtomically(dir + "/train.tsv") { w in
            w.write("pin_id\tboard_id\tweight\ttime\n")
            for i in split.train {
                w.write(i.item)
                w.write(byte: 9)
                w.write(i.user)
                w.write(byte: 9)
                w.write(jsonNumber(i.weight))
                w.write(byte: 9)
                if let t = i.time { w.write(String(t)) }
                w.write(byte: 10)
                try w.flushIfFull()
            }
        }
        try writeAtomically(dir + "/test.tsv") { w in
            w.write("user\titem\n")
            for (u, i) in split.heldOut.sorted(by: { $0.key < $1.key }) {
                w.write(u)
                w.write(byte: 9)
                w.write(i)
                w.write(byte: 10)
                try w.flushIfFull()
            }
        }
    }

    typealias Result = EvaluationResult

    /// The metrics of one parameter setting; `label` names the setting in progress lines.
    func evaluate(_ s: Setup, _ params: WalkParameters, label: String?, ranker: Ranker? = nil) throws -> Result {
        let progress = Progress(enabled: !quiet)
        return try s.evaluate(params, cutoffs: cutoffs, negatives: negatives, queryWeights: QueryWeighting(rawValue: queryWeights)!,
                              label: label, ranker: ranker, progress: progress.enabled ? { progress.note($0) } : nil)
    }

    /// Tries a grid (walk: steps × restart × penalty; exact: exponent ×
    /// penalty) and prints one row per setting.
    func runSweep(_ s: Setup) throws {
        let base = try walk.parameters()
        let exact = base.method == .exact
        var grid: [WalkParameters] = []
        if exact {
            for exponent in [0.5, 0.75, 1.0] {
                for penalty in [0.0, 0.3, 0.5, 0.7] {
                    var p = base
                    p.exponent = exponent
                    p.popularityPenalty = penalty
                    grid.append(p)
                }
            }
        } else {
            for steps in [10_000, 50_000, 100_000, 200_000] {
                for restart in [0.3, 0.5, 0.7, 0.9] {
                    for penalty in [0.0, 0.7] {
                        var p = base
                        p.steps = UInt64(steps)
                        p.restart = restart
                        p.popularityPenalty = penalty
                        grid.append(p)
                    }
                }
            }
        }
        var rows: [[String: Any]] = []
        let k0 = cutoffs[0]
        if !json {
            print((exact ? "exponent  penalty" : "steps    restart  penalty") +
                  "  HR@\(k0)    NDCG@\(k0)  sHR@\(k0)   sNDCG@\(k0)  coverage  p50 ms")
        }
        for (n, p) in grid.enumerated() {
            let setting = exact ? String(format: "exponent %.2f, penalty %.1f", p.exponent, p.popularityPenalty)
                : String(format: "steps %llu, restart %.1f, penalty %.1f", p.steps, p.restart, p.popularityPenalty)
            let r = try evaluate(s, p, label: "setting \(n + 1) of \(grid.count): \(setting)")
            let w = r.walk
            let cov = r.json(s)["coverage"] as! Double
            var row: [String: Any] = [
                "method": p.method.rawValue, "popularity_penalty": p.popularityPenalty,
                "hr": w.mean(w.hr, k0, r.users), "ndcg": w.mean(w.ndcg, k0, r.users),
                "sampled_hr": w.mean(w.sampledHR, k0, r.users), "sampled_ndcg": w.mean(w.sampledNDCG, k0, r.users),
                "coverage": cov, "p50_ms": r.p(0.5),
            ]
            if exact { row["exponent"] = p.exponent } else { row["steps"] = p.steps; row["restart"] = p.restart }
            rows.append(row)
            if !json {
                let head = exact ? String(format: "%.2f      %.1f    ", p.exponent, p.popularityPenalty)
                    : String(format: "%-8d %.1f      %.1f    ", p.steps, p.restart, p.popularityPenalty)
                print(head + String(format: "  %.4f  %.4f  %.4f  %.4f   %.3f     %.2f", row["hr"] as! Double, row["ndcg"] as! Double,
                                    row["sampled_hr"] as! Double, row["sampled_ndcg"] as! Double, cov, r.p(0.5)))
            }
        }
        if json { try printJSON(["k": k0, "sweep": rows]) }
    }
}

/// The command's JSON object and table of one evaluation.
extension EvaluationResult {
    func p(_ q: Double) -> Double { latencyPercentile(q) }
    var name: String { parameters.method == .exact ? "exact" : "boardwalk" }

    func json(_ setup: EvaluationSet) -> [String: Any] {
        func block(_ s: RankingScores) -> [String: Any] {
            var o: [String: Any] = [:]
            for k in s.hr.keys.sorted() {
                o["hr@\(k)"] = s.mean(s.hr, k, users)
                o["ndcg@\(k)"] = s.mean(s.ndcg, k, users)
                o["sampled_hr@\(k)"] = s.mean(s.sampledHR, k, users)
                o["sampled_ndcg@\(k)"] = s.mean(s.sampledNDCG, k, users)
                for (i, name) in ["hr", "ndcg", "sampled_hr", "sampled_ndcg"].enumerated() {
                    o["\(name)_se@\(k)"] = s.standardError(i, k, users)
                }
            }
            return o
        }
        let meanDegree = Double(setup.degree.values.reduce(0, +)) / Double(max(setup.degree.count, 1))
        return [
            "users": users, "skipped_users": setup.skipped, "items": setup.items.count,
            "skipped": ["too_few_items": setup.skippedTooFew, "not_in_graph": setup.skippedNotInGraph],
            "held_out_not_in_graph": setup.heldOutNotInGraph,
            "method": parameters.method.rawValue, "steps": parameters.steps, "restart": parameters.restart,
            "popularity_penalty": parameters.popularityPenalty, "exponent": parameters.exponent,
            "walk": block(walk), "popularity": block(popularity),
            "coverage": coverage,
            "mean_recommended_degree": meanRecommendedDegree,
            "mean_item_degree": meanDegree,
            "latency_p50_ms": p(0.5), "latency_p99_ms": p(0.99), "seconds": seconds,
            "ranker": ranked.map { block($0) } as Any,
            "ranker_minus_walk": difference.map { block($0) } as Any,
            "ranker_coverage": ranked == nil ? nil : Double(rankedRecommended.count) / Double(max(catalogueSize, 1)) as Any,
            "ranker_latency_p50_ms": ranked == nil ? nil : percentile(0.5, ofSorted: rankedLatencies.sorted()) as Any,
            "ranker_latency_p99_ms": ranked == nil ? nil : percentile(0.99, ofSorted: rankedLatencies.sorted()) as Any,
            "graph_edges": setup.graph.stats.edges,
            "live_edges": setup.liveEdgesAdded.map { ["added": $0.added, "duplicates": $0.duplicates, "refused": $0.refused] as [String: Any] }
                ?? NSNull() as Any,
            "removed_edges": setup.liveEdgesRemoved.map { ["removed": $0.removed, "missing": $0.missing] as [String: Any] }
                ?? NSNull() as Any,
            "pruning": setup.pruning.map { ["rule": $0.rule, "parameter": $0.parameter, "edges": $0.edges,
                                            "pins": $0.pins, "boards": $0.boards] as [String: Any] },
        ]
    }

    func print(_ setup: EvaluationSet, _ ks: [Int]) {
        var skips: [String] = []
        if setup.skippedTooFew > 0 { skips.append("\(setup.skippedTooFew) with too few items") }
        if setup.skippedNotInGraph > 0 { skips.append("\(setup.skippedNotInGraph) not in the graph") }
        Swift.print("users evaluated \(users), skipped \(setup.skipped)\(skips.isEmpty ? "" : " (" + skips.joined(separator: ", ") + ")"); "
                    + "\(setup.items.count) items; graph built in \(String(format: "%.2f", setup.graphSeconds))s")
        if setup.heldOutNotInGraph > 0 {
            Swift.print("  \(setup.heldOutNotInGraph) held-out items are not in the graph (cannot be recommended: misses)")
        }
        for r in setup.pruning {
            Swift.print("  pruned by \(r.rule) \(r.parameter): \(r.edges) edges, \(r.pins) items, \(r.boards) users")
        }
        Swift.print("method        K   HR@K    NDCG@K  sampled HR@K  sampled NDCG@K")
        var rows = [("popularity", popularity), (name, walk)]
        if let ranked { rows.append(("+ ranker", ranked)) }
        for (name, s) in rows {
            for k in ks {
                Swift.print(String(format: "%-12@ %3d  %.4f  %.4f  %.4f        %.4f", name, k, s.mean(s.hr, k, users),
                                   s.mean(s.ndcg, k, users), s.mean(s.sampledHR, k, users), s.mean(s.sampledNDCG, k, users)))
            }
        }
        // Standard errors of the means, and of the paired difference with a ranker.
        var seRows = [(name, walk)]
        if let ranked, let difference { seRows += [("+ ranker", ranked), ("difference", difference)] }
        for (name, s) in seRows {
            for k in ks {
                let m = (0..<4).map { s.standardError($0, k, users) }
                Swift.print(String(format: "  s.e. %-12@ %3d  %.4f  %.4f  %.4f        %.4f", name, k, m[0], m[1], m[2], m[3]))
            }
        }
        if let difference {
            for k in ks {
                Swift.print(String(format: "ranker - walk %3d  %+.4f %+.4f %+.4f       %+.4f", k, difference.mean(difference.hr, k, users),
                                   difference.mean(difference.ndcg, k, users), difference.mean(difference.sampledHR, k, users),
                                   difference.mean(difference.sampledNDCG, k, users)))
            }
            Swift.print(String(format: "walk + ranker latency p50 %.2f ms, p99 %.2f ms; coverage@%d %.3f",
                               percentile(0.5, ofSorted: rankedLatencies.sorted()), percentile(0.99, ofSorted: rankedLatencies.sorted()),
                               ks[0], Double(rankedRecommended.count) / Double(max(catalogueSize, 1))))
        }
        let j = json(setup)
        Swift.print(String(format: "coverage@%d %.3f; mean degree of recommended items %.1f (all items %.1f)", ks[0],
                           j["coverage"] as! Double, j["mean_recommended_degree"] as! Double, j["mean_item_degree"] as! Double))
        Swift.print(String(format: "%@ latency p50 %.2f ms, p99 %.2f ms; %.2fs in all",
                           parameters.method == .exact ? "exact" : "walk", p(0.5), p(0.99), seconds))
    }
}
