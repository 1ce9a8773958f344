// The graph an evaluation reads and walks: a base graph, or a base with live
// edges added and removed (`boardwalk eval --live-edges --remove-edges`).
// The walks and scores run on a LiveGraph, so the C library holds their
// semantics; the users' queries, the catalogue and the degrees are read
// from the same union, which the C ABI does not list (it walks the union but
// gives neighbours of the base only): for the nodes the edge lists touch,
// their union neighbours are kept here, the base answers for the rest.
import Foundation

struct EvaluationGraph {
    let base: Graph
    /// The base with the live edges, or nil when there are none.
    let live: LiveGraph?
    /// What the library did with the lists.
    let added: LiveAddCounts?
    let removed: LiveRemoveCounts?
    /// Union neighbours of the pins and boards the lists touch.
    private var pinBoards: [UInt64: Set<UInt64>] = [:]
    private var boardPins: [UInt64: [UInt64]] = [:]
    /// Per touched board, the pins the lists added to it and removed from it
    /// (against the base), in list order, with the added edges' times.
    private(set) var addedToBoard: [UInt64: [(pin: UInt64, time: UInt64?)]] = [:]
    private(set) var removedFromBoard: [UInt64: Set<UInt64>] = [:]

    init(base: Graph) {
        self.base = base
        live = nil
        added = nil
        removed = nil
    }

    /// The base with `add`'s edges added, then `remove`'s removed, as
    /// `boardwalk query --live-edges --remove-edges` does.
    init(base: Graph, add: LiveEdgeList?, remove: LiveEdgeList?) throws {
        self.base = base
        guard add != nil || remove != nil else {
            live = nil
            added = nil
            removed = nil
            return
        }
        let l = try LiveGraph(graph: base)
        added = try add.map { try l.addEdges(pins: $0.pins, boards: $0.boards, times: $0.times) }
        removed = try remove.map { try l.removeEdges(pins: $0.pins, boards: $0.boards) }
        live = l
        // The same union, for reading.
        for list in [add, remove].compactMap({ $0 }) {
            for (p, u) in zip(list.pins, list.boards) {
                if pinBoards[p.rawValue] == nil {
                    pinBoards[p.rawValue] = base.contains(p) ? Set(try base.boards(of: p).map(\.rawValue)) : []
                }
                if boardPins[u.rawValue] == nil {
                    boardPins[u.rawValue] = base.contains(u) ? try base.pins(of: u).map(\.rawValue) : []
                }
            }
        }
        if let add {
            for i in 0..<add.count {
                let p = add.pins[i].rawValue, u = add.boards[i].rawValue
                guard pinBoards[p]!.insert(u).inserted else { continue }
                boardPins[u]!.append(p)
                let t = add.times?[i]
                addedToBoard[u, default: []].append((pin: p, time: t == UInt64.max ? nil : t))
            }
        }
        if let remove {
            for (pin, board) in zip(remove.pins, remove.boards) {
                let p = pin.rawValue, u = board.rawValue
                guard pinBoards[p]!.remove(u) != nil else { continue }
                boardPins[u]!.removeAll { $0 == p }
                if let i = addedToBoard[u]?.firstIndex(where: { $0.pin == p }) {
                    addedToBoard[u]!.remove(at: i)
                } else {
                    removedFromBoard[u, default: []].insert(p)
                }
            }
        }
    }

    /// The pins the lists touch.
    var touchedPins: [UInt64] { Array(pinBoards.keys) }

    func contains(pin p: UInt64) -> Bool { pinBoards[p].map { !$0.isEmpty } ?? base.contains(PinID(p)) }

    func contains(board u: UInt64) -> Bool { boardPins[u].map { !$0.isEmpty } ?? base.contains(BoardID(u)) }

    /// A board's pins in the union.
    func pins(of u: UInt64) throws -> [UInt64] { try boardPins[u] ?? base.pins(of: BoardID(u)).map(\.rawValue) }

    /// A pin's degree in the union.
    func degree(of p: UInt64) throws -> Int { try pinBoards[p]?.count ?? base.boards(of: PinID(p)).count }

    /// How much the lists changed a pin's degree.
    func degreeChange(of p: UInt64) throws -> Int {
        guard let union = pinBoards[p] else { return 0 }
        return union.count - (base.contains(PinID(p)) ? try base.boards(of: PinID(p)).count : 0)
    }

    /// The union's pins, ascending by id (a graph's pin order).
    func pinIDs() throws -> [UInt64] {
        let n = base.stats.pins
        var out: [UInt64] = []
        out.reserveCapacity(Int(n))
        for i in 0..<UInt32(n) {
            let p = try base.pin(at: i).rawValue
            if pinBoards[p].map({ !$0.isEmpty }) ?? true { out.append(p) }
        }
        let new = pinBoards.filter { !$0.value.isEmpty && !base.contains(PinID($0.key)) }.keys
        if new.isEmpty { return out }
        return (out + new).sorted()
    }

    func walk(pins: [PinID: Double], parameters: WalkParameters) throws -> WalkResult {
        try live.map { try $0.walk(pins: pins, parameters: parameters) } ?? base.walk(pins: pins, parameters: parameters)
    }

    func score(candidates: [PinID], pins: [PinID: Double], parameters: WalkParameters) throws -> [Double] {
        try live.map { try $0.score(candidates: candidates, pins: pins, parameters: parameters) }
            ?? base.score(candidates: candidates, pins: pins, parameters: parameters)
    }
}
