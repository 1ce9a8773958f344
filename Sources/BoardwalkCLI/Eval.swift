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
            let setup = try prepare()
            if sweep {
                try runSweep(setup)
            } else {
                let r = try evaluate(setup, try walk.parameters(), label: nil)
                if json { try printJSON(r.json(setup)) } else { r.print(setup, cutoffs) }
            }
        }
    }

    /// Everything the evaluation needs, built once.
    struct Setup {
        var graph: Graph
        var users: [(user: UInt64, held: UInt64, history: [(item: UInt64, weight: Double, time: Int64?)])]
        var interacted: [UInt64: Set<UInt64>]
        var items: [UInt64]          // the catalogue: items in the graph, ascending
        var degree: [UInt64: Int]    // training interactions per item
        var catalogue: Set<UInt64> = []  // items, as a set
        var sortedDegrees: [Int] = []    // degrees of the catalogue's items, ascending

        /// Items of the catalogue with degree >= d, in O(log n).
        func itemsWithDegree(atLeast d: Int) -> Int {
            var lo = 0, hi = sortedDegrees.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sortedDegrees[mid] < d { lo = mid + 1 } else { hi = mid }
            }
            return sortedDegrees.count - lo
        }
        /// Users left out, by reason.
        var skippedTooFew = 0       // fewer than --min-interactions distinct items
        var skippedNotInGraph = 0   // not a board of --graph, or no training item left in the graph
        var skipped: Int { skippedTooFew + skippedNotInGraph }
        /// Evaluated users whose held-out item is not a pin of the graph (it can never be recommended).
        var heldOutNotInGraph = 0
        var graphSeconds: Double
        var pruning: [PruningReport]    // what pruning removed from the training graph
    }

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
    }

    func prepare() throws -> Setup {
        let start = Date()
        let progress = Progress(enabled: !quiet)
        var histories: [UInt64: [(UInt64, Double, Int64?)]] = [:]
        var held: [UInt64: UInt64] = [:]
        var skippedTooFew = 0, skippedNotInGraph = 0
        var pruned: [PruningReport] = []
        var trainingDegree: [UInt64: Int] = [:]  // with interactions: training interactions per item
        let g: Graph
        if let interactions {
            progress.note("reading \(interactions)", always: true)
            let data = try EvaluationInput.interactions(from: interactions) { lines, bytes in
                progress.note(String(format: "reading  %@ lines, %@ MB, %.1fs", human(Double(lines)), human(Double(bytes) / 1e6),
                                     Date().timeIntervalSince(start)))
            }
            guard !data.isEmpty else { throw Failure("\(interactions): no interactions (an empty file?)") }
            progress.note("splitting \(data.count) interactions (\(String(format: "%.1fs", Date().timeIntervalSince(start))))", always: true)
            let split = LeaveOneOutSplit(data, minInteractions: minInteractions, seed: walk.seed)
            skippedTooFew = split.skippedUsers
            held = split.heldOut
            guard !held.isEmpty else {
                throw Failure("none of the \(split.skippedUsers) users of \(interactions) has \(minInteractions) or more distinct items, "
                              + "so none can be evaluated (leave-one-out holds one out and queries with the rest); "
                              + "are the columns swapped? the file is read as user<TAB>item")
            }
            if let dir = writeSplit { try writeSplitFiles(split, to: dir) }
            let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("boardwalk-eval-\(getpid()).bwg").path
            defer { unlink(tmp) }
            var options = BuildOptions()
            options.pruning = pruning.rules
            let b = try GraphBuilder(options: options)
            if progress.enabled {
                b.progress = { p in progress.note("building the training graph: \(p.phase) (\(String(format: "%.1fs", Date().timeIntervalSince(start))))") }
            }
            // Histories of the evaluated users only; degrees count every training interaction.
            let byTime = pruneScore == "time"  // (an option read once, not per interaction)
            for u in held.keys { histories[u] = [] }
            for i in split.train {
                try b.addEdge(pin: PinID(i.item), board: BoardID(i.user), score: byTime ? Double(i.time ?? 0) : i.weight)
                trainingDegree[i.item, default: 0] += 1
                if histories[i.user] != nil { histories[i.user]!.append((i.item, i.weight, i.time)) }
            }
            if let pinAttributes { try b.addPinAttributes(from: pinAttributes) }
            progress.note("building the training graph from \(split.train.count) interactions", always: true)
            do {
                pruned = try b.build(to: tmp).pruning
            } catch BoardwalkError.emptyGraph {
                // The builder's message names the temporary file and --allow-empty, neither of which is eval's.
                throw Failure("the training graph has no edges: \(pruning.rules.isEmpty ? "no training interactions" : "pruning removed every edge of the \(split.train.count) training interactions"); loosen the pruning options")
            }
            g = try Graph(path: tmp)  // stays mapped after the unlink
        } else {
            g = try Graph(path: graph!)
            let path = heldOut!
            let pairs = try EvaluationInput.heldOut(from: path)
            guard !pairs.isEmpty else { throw Failure("\(path): no held-out items (an empty file?)") }
            var notBoards = 0, swappedLooking = 0
            var lineOf: [UInt64: Int] = [:]
            var repeated: (user: UInt64, first: Int, again: Int)?
            for (u, i, line) in pairs {
                guard g.contains(BoardID(u)) else {
                    notBoards += 1
                    if g.contains(PinID(u)) && g.contains(BoardID(i)) { swappedLooking += 1 }
                    continue
                }
                if let first = lineOf[u] {
                    if repeated == nil { repeated = (u, first, line) }
                    continue
                }
                lineOf[u] = line
                held[u] = i
                histories[u] = try g.pins(of: BoardID(u)).map { ($0.rawValue, 1.0, nil) }
            }
            skippedNotInGraph = notBoards
            if held.isEmpty {
                let why = swappedLooking * 2 > pairs.count
                    ? "; \(swappedLooking) of them are pins of the graph and their items boards: are the columns swapped? --held-out is user<TAB>item (a board, then a pin)"
                    : "; is it the held-out file of another graph? --held-out is user<TAB>item (a board, then a pin)"
                throw Failure("none of the \(pairs.count) held-out users of \(path) is a board of \(graph!)" + why)
            }
            if let repeated {
                // Checked after the columns: swapped columns repeat "users" too.
                throw Failure("\(path):\(repeated.again): user \(repeated.user) is held out again (first on line \(repeated.first)): "
                              + "leave-one-out holds out one item per user")
            }
        }
        progress.note("reading the catalogue (\(String(format: "%.1fs", Date().timeIntervalSince(start))))", always: true)
        let s = g.stats
        var items: [UInt64] = []
        items.reserveCapacity(Int(s.pins))
        var degree: [UInt64: Int] = [:]
        for i in 0..<UInt32(s.pins) {
            let p = try g.pin(at: i)
            items.append(p.rawValue)
        }
        var interacted: [UInt64: Set<UInt64>] = [:]
        for (u, h) in histories { interacted[u] = Set(h.map(\.0)) }
        if interactions != nil {
            degree = trainingDegree
        } else {
            // Degrees from the graph itself.
            for p in items { degree[p] = try g.boards(of: PinID(p)).count }
        }
        var users: [(UInt64, UInt64, [(item: UInt64, weight: Double, time: Int64?)])] = []
        for u in held.keys.sorted() {
            // A user whose every training item left the graph (pruning) has nothing to query with.
            guard let h = histories[u], h.contains(where: { g.contains(PinID($0.0)) }) else {
                skippedNotInGraph += 1
                continue
            }
            interacted[u, default: []].insert(held[u]!)
            users.append((u, held[u]!, h.map { (item: $0.0, weight: $0.1, time: $0.2) }))
        }
        let candidates = users.count
        guard candidates > 0 else {
            throw Failure("no user can be evaluated: the training items of all \(held.count) users with a held-out item were removed from the graph by pruning")
        }
        if let maxUsers, users.count > maxUsers {
            var rng = SeededGenerator(seed: walk.seed ^ 0x7573_6572)
            users.shuffle(using: &rng)
            users = Array(users.prefix(maxUsers)).sorted { $0.0 < $1.0 }
        }
        var setup = Setup(graph: g, users: users.map { (user: $0.0, held: $0.1, history: $0.2) }, interacted: interacted,
                          items: items, degree: degree, graphSeconds: Date().timeIntervalSince(start), pruning: pruned)
        setup.skippedTooFew = skippedTooFew
        setup.skippedNotInGraph = skippedNotInGraph
        setup.catalogue = Set(items)
        setup.sortedDegrees = items.map { degree[$0] ?? 0 }.sorted()
        setup.heldOutNotInGraph = setup.users.reduce(0) { $0 + (g.contains(PinID($1.held)) ? 0 : 1) }
        warnAboutSkips(setup, candidates: candidates)
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

    /// Metrics of one method.
    struct Scores {
        var hr: [Int: Double] = [:], ndcg: [Int: Double] = [:]
        var sampledHR: [Int: Double] = [:], sampledNDCG: [Int: Double] = [:]
        mutating func add(full: Int, sampled: Int, _ ks: [Int]) {
            for k in ks {
                hr[k, default: 0] += RankingMetrics.hitRate(rank: full, k: k)
                ndcg[k, default: 0] += RankingMetrics.ndcg(rank: full, k: k)
                sampledHR[k, default: 0] += RankingMetrics.hitRate(rank: sampled, k: k)
                sampledNDCG[k, default: 0] += RankingMetrics.ndcg(rank: sampled, k: k)
            }
        }
        func mean(_ d: [Int: Double], _ k: Int, _ n: Int) -> Double { n > 0 ? (d[k] ?? 0) / Double(n) : 0 }
    }

    struct Result {
        var walk = Scores(), popularity = Scores()
        var users = 0
        var latencies: [Double] = []
        var recommended: Set<UInt64> = []
        var popularitySum = 0.0, popularityCount = 0
        var seconds = 0.0
        var parameters = WalkParameters()
        var name: String { parameters.method == .exact ? "exact" : "boardwalk" }

        func p(_ q: Double) -> Double {
            let s = latencies.sorted()
            return s.isEmpty ? 0 : s[min(s.count - 1, Int((q * Double(s.count)).rounded(.up)) - 1)]
        }

        func json(_ setup: Setup) -> [String: Any] {
            func block(_ s: Scores) -> [String: Any] {
                var o: [String: Any] = [:]
                for k in s.hr.keys.sorted() {
                    o["hr@\(k)"] = s.mean(s.hr, k, users)
                    o["ndcg@\(k)"] = s.mean(s.ndcg, k, users)
                    o["sampled_hr@\(k)"] = s.mean(s.sampledHR, k, users)
                    o["sampled_ndcg@\(k)"] = s.mean(s.sampledNDCG, k, users)
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
                "coverage": Double(recommended.count) / Double(max(setup.items.count, 1)),
                "mean_recommended_degree": popularitySum / Double(max(popularityCount, 1)),
                "mean_item_degree": meanDegree,
                "latency_p50_ms": p(0.5), "latency_p99_ms": p(0.99), "seconds": seconds,
                "graph_edges": setup.graph.stats.edges,
                "pruning": setup.pruning.map { ["rule": $0.rule, "parameter": $0.parameter, "edges": $0.edges,
                                                "pins": $0.pins, "boards": $0.boards] as [String: Any] },
            ]
        }

        func print(_ setup: Setup, _ ks: [Int]) {
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
            for (name, s) in [("popularity", popularity), (name, walk)] {
                for k in ks {
                    Swift.print(String(format: "%-12@ %3d  %.4f  %.4f  %.4f        %.4f", name, k, s.mean(s.hr, k, users),
                                       s.mean(s.ndcg, k, users), s.mean(s.sampledHR, k, users), s.mean(s.sampledNDCG, k, users)))
                }
            }
            let j = json(setup)
            Swift.print(String(format: "coverage@%d %.3f; mean degree of recommended items %.1f (all items %.1f)", ks[0],
                               j["coverage"] as! Double, j["mean_recommended_degree"] as! Double, j["mean_item_degree"] as! Double))
            Swift.print(String(format: "%@ latency p50 %.2f ms, p99 %.2f ms; %.2fs in all",
                               parameters.method == .exact ? "exact" : "walk", p(0.5), p(0.99), seconds))
        }
    }

    /// The metrics of one parameter setting; `label` names the setting in progress lines.
    func evaluate(_ s: Setup, _ params: WalkParameters, label: String?) throws -> Result {
        let progress = Progress(enabled: !quiet)
        var r = Result()
        r.parameters = params
        let ks = cutoffs
        let maxK = ks.max()!
        var p = params
        p.top = maxK + 1
        p.lenient = true
        let start = Date()
        progress.note("evaluating \(s.users.count) users\(label.map { " (\($0))" } ?? "")", always: true)
        for (n, u) in s.users.enumerated() {
            if n > 0 {
                progress.note({
                    let t = Date().timeIntervalSince(start)
                    return String(format: "%d of %d users%@, %.0f users/s, %.0fs left", n, s.users.count,
                                  label.map { " (\($0))" } ?? "", Double(n) / t, t / Double(n) * Double(s.users.count - n))
                }())
            }
            var rng = SeededGenerator(seed: params.seed &+ u.user &* 0x9E37_79B9_7F4A_7C15)
            let seen = s.interacted[u.user] ?? []
            var negatives: [UInt64] = []
            if s.items.count - seen.count >= self.negatives {
                var chosen = Set<UInt64>()
                while chosen.count < self.negatives {
                    let c = s.items[Int(rng.next() % UInt64(s.items.count))]
                    if !seen.contains(c) { chosen.insert(c) }
                }
                negatives = chosen.sorted()
            }
            // Query weights.
            var q: [PinID: Double] = [:]
            let ordered = u.history.sorted { ($0.time ?? 0, $0.item) > ($1.time ?? 0, $1.item) }
            for (rank, h) in ordered.enumerated() {
                let w: Double = switch queryWeights {
                case "weight": h.weight
                case "recency": 1 / Double(rank + 1)
                default: 1
                }
                q[PinID(h.item), default: 0] += w
            }
            p.seed = params.seed &+ UInt64(n)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let result = try s.graph.walk(pins: q, parameters: p)
            r.latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            let candidates = [u.held] + negatives
            let scores = try s.graph.score(candidates: candidates.map { PinID($0) }, pins: q, parameters: p)
            // Full ranking: among the returned top maxK+1 (query pins are never returned).
            let target = scores[0]
            var full = Int.max
            if target > 0 {
                let above = result.recommendations.filter { $0.pin != PinID(u.held) && !seen.contains($0.pin!.rawValue) && $0.score >= target }.count
                full = above >= maxK ? Int.max : above + 1
            }
            let sampled = RankingMetrics.pessimisticRank(target: target, others: Array(scores.dropFirst()))
            r.walk.add(full: full, sampled: negatives.isEmpty ? Int.max : sampled, ks)
            for rec in result.recommendations.prefix(ks[0]) {
                r.recommended.insert(rec.pin!.rawValue)
                r.popularitySum += Double(s.degree[rec.pin!.rawValue] ?? 0)
                r.popularityCount += 1
            }
            // Popularity baseline, same protocol.
            // Items of the catalogue at least as popular as the held-out one,
            // less those the user has seen (the held-out one among them):
            // O(log n + |seen|) per user rather than a pass over the catalogue.
            let hdi = s.degree[u.held] ?? 0
            var popAbove = s.itemsWithDegree(atLeast: hdi)
            for item in seen where s.catalogue.contains(item) && (s.degree[item] ?? 0) >= hdi { popAbove -= 1 }
            let hd = Double(hdi)
            let popSampled = RankingMetrics.pessimisticRank(target: hd, others: negatives.map { Double(s.degree[$0] ?? 0) })
            r.popularity.add(full: popAbove + 1, sampled: negatives.isEmpty ? Int.max : popSampled, ks)
            r.users += 1
        }
        r.seconds = Date().timeIntervalSince(start)
        return r
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
