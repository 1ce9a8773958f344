// Offline evaluation: leave-one-out splits of interaction data and ranking
// metrics, so users can measure candidate quality on their own data.
import Foundation

/// One interaction: a user (playing a board) engaged with an item (a pin).
public struct Interaction: Sendable, Equatable {
    public var user: UInt64
    public var item: UInt64
    /// Strength of the interaction (1 when the input has none).
    public var weight: Double
    /// Time of the interaction (nil when the input has none).
    public var time: Int64?

    public init(user: UInt64, item: UInt64, weight: Double = 1, time: Int64? = nil) {
        self.user = user
        self.item = item
        self.weight = weight
        self.time = time
    }
}

/// A leave-one-out split: each evaluated user's last interaction is held out.
public struct LeaveOneOutSplit: Sendable {
    /// Interactions the graph is built from.
    public var train: [Interaction]
    /// The held-out item of each evaluated user.
    public var heldOut: [UInt64: UInt64]
    /// Users skipped for having too few interactions.
    public var skippedUsers: Int

    /// Splits per user: the last interaction by time is held out (ties go to
    /// the larger item id, so the split never depends on input order); without
    /// times, a uniformly random one, drawn with `seed`. Users with fewer
    /// than `minInteractions` interactions are kept in training and skipped.
    /// Repeated (user, item) pairs count once; the held-out item is removed
    /// from the user's training interactions entirely.
    public init(_ interactions: [Interaction], minInteractions: Int = 2, seed: UInt64 = 1) {
        var byUser: [UInt64: [Interaction]] = [:]
        for i in interactions { byUser[i.user, default: []].append(i) }
        var train: [Interaction] = []
        var held: [UInt64: UInt64] = [:]
        var skipped = 0
        var rng = SeededGenerator(seed: seed)
        for user in byUser.keys.sorted() {
            let list = byUser[user]!
            let distinctItems = Set(list.map(\.item))
            guard distinctItems.count >= max(2, minInteractions) else {
                skipped += 1
                train.append(contentsOf: list)
                continue
            }
            let target: UInt64
            if list.allSatisfy({ $0.time != nil }) {
                target = list.max { ($0.time!, $0.item) < ($1.time!, $1.item) }!.item
            } else {
                let items = distinctItems.sorted()
                target = items[Int(rng.next() % UInt64(items.count))]
            }
            held[user] = target
            train.append(contentsOf: list.filter { $0.item != target })
        }
        self.train = train
        self.heldOut = held
        self.skippedUsers = skipped
    }
}

/// Ranking metrics for one held-out item.
public enum RankingMetrics {
    /// The pessimistic rank (1-based) of an item scoring `target` among
    /// `others`: every other item scoring at least as much ranks above it, so
    /// ties always go against the held-out item and the rank never depends
    /// on how ties happen to be ordered.
    public static func pessimisticRank(target: Double, others: [Double]) -> Int {
        1 + others.reduce(0) { $0 + ($1 >= target ? 1 : 0) }
    }

    /// 1 when the item is within the top k, else 0.
    public static func hitRate(rank: Int, k: Int) -> Double { rank <= k ? 1 : 0 }

    /// Normalised discounted cumulative gain with one relevant item:
    /// 1 / log2(rank + 1) within the top k, else 0.
    public static func ndcg(rank: Int, k: Int) -> Double { rank <= k ? 1 / log2(Double(rank) + 1) : 0 }
}
