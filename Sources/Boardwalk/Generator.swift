// A seeded generator of realistic synthetic pin-board graphs: heavy-tailed
// degrees on both sides and planted communities, so that tests and
// benchmarks know what a good recommendation is.
import CBoardwalk

/// A small, fast, seedable generator (xoshiro256**), so that generated graphs
/// are the same on every machine for the same seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose whole stream is determined by `seed`.
    ///
    /// - Parameter seed: Any 64-bit value; it is spread over the state with
    ///   SplitMix64 steps.
    ///
    /// The corresponding C function is `bw_mix64`.
    public init(seed: UInt64) {
        var x = seed
        func next() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            return bw_mix64(x)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
    }

    /// The next 64 random bits of the stream.
    ///
    /// - Returns: A uniformly distributed 64-bit value.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform value in [0, 1), from the top 53 bits of ``next()``.
    ///
    /// - Returns: A value in [0, 1).
    @inline(__always)
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

/// Draws from a fixed discrete distribution in O(1) (Walker's alias method).
struct AliasTable {
    private var probability: [Double]
    private var alias: [UInt32]

    init(weights: [Double]) {
        let n = weights.count
        let total = weights.reduce(0, +)
        var scaled = weights.map { $0 * Double(n) / total }
        probability = [Double](repeating: 1, count: n)
        alias = [UInt32](repeating: 0, count: n)
        var small: [Int] = [], large: [Int] = []
        for i in 0..<n { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
        while let s = small.popLast(), let l = large.last {
            probability[s] = scaled[s]
            alias[s] = UInt32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
    }

    @inline(__always)
    func draw(_ rng: inout SeededGenerator) -> Int {
        let u = rng.unit() * Double(probability.count)
        let i = min(Int(u), probability.count - 1)
        return (u - Double(i)) < probability[i] ? i : Int(alias[i])
    }
}

/// Parameters of a synthetic graph.
public struct GeneratorParameters: Sendable {
    /// Pin population (not every pin need get an edge).
    public var pins: Int = 100_000
    /// Board population (not every board need get an edge).
    public var boards: Int = 10_000
    /// Edge lines to produce. Each is drawn independently, so popular pins on
    /// big boards repeat: 16.7% of the lines at the defaults, 4.1% for 1M pins, 100K boards and
    /// 5M edges (``GeneratedEdgeCounter`` counts them; the builder
    /// collapses them).
    public var edges: Int = 1_000_000
    /// Planted communities: board b belongs to community b % communities;
    /// pins are split into equal contiguous blocks by index.
    public var communities: Int = 50
    /// Fraction of edges whose pin is drawn from a random community.
    public var noise: Double = 0.05
    /// Zipf exponent of board size: how much bigger the big boards are.
    public var boardSkew: Double = 0.6
    /// Zipf exponent of pin popularity within a community.
    public var pinSkew: Double = 0.7
    /// The seed: same parameters and seed, same edges.
    public var seed: UInt64 = 1
    /// Creates the defaults.
    public init() {}

    /// Checks the parameters: the generator's one set of rules, which
    /// ``EdgeGenerator/init(_:)`` and `boardwalk generate` both apply.
    ///
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` naming the parameter
    ///   and the value.
    public func validate() throws {
        func refuse(_ message: String) -> BoardwalkError { .invalidArgument(message) }
        guard pins >= 1, boards >= 1 else { throw refuse("pins and boards must be at least 1, not \(pins) and \(boards)") }
        // A graph's dense indices are 32-bit.
        guard pins <= 4_000_000_000, boards <= 4_000_000_000 else { throw refuse("at most 4G pins and 4G boards") }
        guard edges >= 0 else { throw refuse("edges must be at least 0, not \(edges)") }
        guard communities >= 1, communities <= min(pins, boards) else {
            throw refuse("communities must be from 1 to the smaller of pins and boards (\(min(pins, boards))), not \(communities)")
        }
        guard noise >= 0, noise <= 1 else { throw refuse("noise must be in [0, 1], not \(noise)") }
        guard boardSkew >= 0, boardSkew.isFinite else { throw refuse("board skew must be a finite number >= 0, not \(boardSkew)") }
        guard pinSkew >= 0, pinSkew.isFinite else { throw refuse("pin skew must be a finite number >= 0, not \(pinSkew)") }
    }
}

/// Generates a synthetic pin-board graph.
public struct EdgeGenerator {
    /// The parameters in use.
    public let parameters: GeneratorParameters
    private let boardTable: AliasTable
    private let pinRankTable: AliasTable
    private let blockSize: Int
    private let pinSalt: UInt64
    private let boardSalt: UInt64

    /// Prepares the distributions (O(pins / communities + boards) memory).
    ///
    /// - Parameter p: The graph's parameters.
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` for a parameter out
    ///   of range: fewer pins or boards than communities, no community,
    ///   negative edges or skews, a noise outside [0, 1].
    public init(_ p: GeneratorParameters) throws {
        try p.validate()
        parameters = p
        boardTable = AliasTable(weights: (0..<p.boards).map { 1 / pow(Double($0 + 1), p.boardSkew) })
        blockSize = (p.pins + p.communities - 1) / p.communities
        pinRankTable = AliasTable(weights: (0..<blockSize).map { 1 / pow(Double($0 + 1), p.pinSkew) })
        pinSalt = bw_mix64(p.seed ^ 0x7069_6e73)
        boardSalt = bw_mix64(p.seed ^ 0x626f_6172_6473)
    }

    /// The external id of pin index i: a bijective scramble, so ids are
    /// unique, spread over the whole 64-bit range, and reproducible.
    ///
    /// - Parameter i: A pin index, 0 ..< ``GeneratorParameters/pins``.
    /// - Returns: The pin's id.
    ///
    /// The corresponding C function is `bw_mix64`.
    public func pinID(_ i: Int) -> PinID { PinID(bw_mix64(UInt64(i) ^ pinSalt)) }
    /// The external id of board index i, scrambled as ``pinID(_:)``.
    ///
    /// - Parameter i: A board index, 0 ..< ``GeneratorParameters/boards``.
    /// - Returns: The board's id.
    ///
    /// The corresponding C function is `bw_mix64`.
    public func boardID(_ i: Int) -> BoardID { BoardID(bw_mix64(UInt64(i) ^ boardSalt)) }
    /// The planted community of pin index i.
    ///
    /// - Parameter i: A pin index.
    /// - Returns: Its community, 0 ..< ``GeneratorParameters/communities``.
    public func community(ofPin i: Int) -> Int { i / blockSize }
    /// The planted community of board index i.
    ///
    /// - Parameter i: A board index.
    /// - Returns: Its community, 0 ..< ``GeneratorParameters/communities``.
    public func community(ofBoard i: Int) -> Int { i % parameters.communities }

    /// Calls `body` with each edge as (pin index, board index), the same
    /// edges in the same order for the same parameters and seed.
    ///
    /// - Parameter body: Called once per edge line; a throw stops the
    ///   generation.
    /// - Throws: What `body` throws.
    public func forEachEdge(_ body: (Int, Int) throws -> Void) rethrows {
        var rng = SeededGenerator(seed: parameters.seed)
        let k = parameters.communities, np = parameters.pins
        for _ in 0..<parameters.edges {
            let b = boardTable.draw(&rng)
            var c = b % k
            if parameters.noise > 0 && rng.unit() < parameters.noise { c = Int(rng.next() % UInt64(k)) }
            var pin: Int
            repeat {
                pin = c * blockSize + pinRankTable.draw(&rng)
            } while pin >= np
            try body(pin, b)
        }
    }
}

/// What a generated edge list holds: distinct pins, boards and edges, and
/// the lines that repeat an earlier (pin, board) pair.
public struct GeneratedCensus: Sendable, Equatable {
    /// Edge lines written.
    public var lines: Int
    /// Pins with at least one edge.
    public var pins: Int
    /// Boards with at least one edge.
    public var boards: Int
    /// Distinct (pin, board) pairs (nil when not counted: over
    /// ``GeneratedEdgeCounter/maxCountedLines`` lines).
    public var distinctEdges: Int?
    /// Lines repeating an earlier (pin, board) pair (nil when not counted).
    public var duplicateLines: Int?
}

/// Counts what a generator produces, edge by edge: pins and boards in
/// bitsets (an eighth of a byte per population member), duplicates by
/// sorting every (pin, board) pair at the end (16 bytes per line, less than
/// the 24 a build of the same file takes).
public final class GeneratedEdgeCounter {
    /// Duplicates are counted up to this many lines.
    public static let maxCountedLines = 100_000_000
    private var pinSeen: [UInt64]
    private var boardSeen: [UInt64]
    private let pairs: EdgeSegments?
    private let boardBits: Int
    private let pinBits: Int
    private(set) var lines = 0

    /// A counter for edges of the given parameters.
    ///
    /// - Parameter p: The parameters the edges are generated with.
    public init(_ p: GeneratorParameters) {
        pinSeen = [UInt64](repeating: 0, count: (p.pins + 63) / 64)
        boardSeen = [UInt64](repeating: 0, count: (p.boards + 63) / 64)
        pairs = p.edges <= GeneratedEdgeCounter.maxCountedLines ? EdgeSegments() : nil
        boardBits = bitsFor(p.boards)
        pinBits = bitsFor(p.pins)
    }

    /// Counts one edge, as (pin index, board index).
    ///
    /// - Parameters:
    ///   - pin: The pin index.
    ///   - board: The board index.
    @inline(__always)
    public func add(pin: Int, board: Int) {
        pinSeen[pin >> 6] |= 1 << UInt64(pin & 63)
        boardSeen[board >> 6] |= 1 << UInt64(board & 63)
        pairs?.append(UInt64(pin) << UInt64(boardBits) | UInt64(board))
        lines += 1
    }

    /// The counts (sorts the pairs: call once, at the end).
    ///
    /// - Returns: What the counted edges hold.
    public func finish() -> GeneratedCensus {
        let pins = pinSeen.reduce(0) { $0 + $1.nonzeroBitCount }
        let boards = boardSeen.reduce(0) { $0 + $1.nonzeroBitCount }
        var census = GeneratedCensus(lines: lines, pins: pins, boards: boards)
        if let pairs {
            let n = pairs.count
            let keys = pairs.drain { $0 }
            let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: max(n, 1))
            let sorted = radixSort(keys, scratch: scratch, count: n, bits: pinBits + boardBits)
            var distinct = 0
            for i in 0..<n where i == 0 || sorted[i] != sorted[i - 1] { distinct += 1 }
            keys.deallocate()
            scratch.deallocate()
            census.distinctEdges = distinct
            census.duplicateLines = n - distinct
        }
        return census
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
