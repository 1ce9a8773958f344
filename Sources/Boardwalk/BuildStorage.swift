// Flat, manually managed storage for building large graphs: an id interner,
// an append-only edge buffer and an LSD radix sort. Swift arrays would do,
// but a 100-million-edge build must stay within 32 bytes per input edge, so
// every byte here is accounted for and freed as soon as it is not needed.

/// A growable buffer of trivially copyable values that frees itself.
final class FlatBuffer<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count: Int
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 1)
        self.base = .allocate(capacity: self.capacity)
        self.count = 0
    }

    /// A buffer of `count` copies of `value`.
    init(repeating value: Element, count: Int) {
        self.capacity = max(count, 1)
        self.base = .allocate(capacity: self.capacity)
        self.base.initialize(repeating: value, count: count)
        self.count = count
    }

    deinit { base.deallocate() }

    @inline(__always)
    func append(_ v: Element) {
        if count == capacity { grow(to: capacity * 2) }
        base[count] = v
        count += 1
    }

    func append(contentsOf buffer: UnsafeBufferPointer<Element>) {
        if count + buffer.count > capacity { grow(to: max(capacity * 2, count + buffer.count)) }
        (base + count).update(from: buffer.baseAddress!, count: buffer.count)
        count += buffer.count
    }

    func grow(to newCapacity: Int) {
        let p = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = newCapacity
    }

    @inline(__always)
    subscript(i: Int) -> Element {
        get { base[i] }
        set { base[i] = newValue }
    }

    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count * MemoryLayout<Element>.stride)
    }
}

/// Edges appended in fixed-size segments, so that growing never copies (a
/// doubling array would briefly need three times the memory).
final class EdgeSegments {
    static let segmentSize = 1 << 22
    fileprivate(set) var segments: [UnsafeMutablePointer<UInt64>] = []
    fileprivate var used = EdgeSegments.segmentSize
    fileprivate(set) var count = 0

    deinit { for s in segments { s.deallocate() } }

    @inline(__always)
    func append(_ packed: UInt64) {
        if used == EdgeSegments.segmentSize {
            segments.append(.allocate(capacity: EdgeSegments.segmentSize))
            used = 0
        }
        segments[segments.count - 1][used] = packed
        used += 1
        count += 1
    }

    /// Moves every edge into one flat allocation, freeing segments as it goes.
    func drain(transform: (UInt64) -> UInt64) -> UnsafeMutablePointer<UInt64> {
        let out = UnsafeMutablePointer<UInt64>.allocate(capacity: max(count, 1))
        var k = 0
        for (i, s) in segments.enumerated() {
            let n = i == segments.count - 1 ? used : EdgeSegments.segmentSize
            for j in 0..<n { out[k + j] = transform(s[j]) }
            k += n
            s.deallocate()
        }
        segments = []
        used = EdgeSegments.segmentSize
        count = 0
        return out
    }
}

extension EdgeSegments {
    /// Passes every edge to `body` in order, freeing segments as it goes;
    /// the buffer is empty afterwards (also when `body` throws).
    func consume(_ body: (UInt64) throws -> Void) rethrows {
        defer {
            for s in segments { s.deallocate() }
            segments = []
            used = EdgeSegments.segmentSize
            count = 0
        }
        while !segments.isEmpty {
            let s = segments.removeFirst()
            defer { s.deallocate() }
            let n = segments.isEmpty ? used : EdgeSegments.segmentSize
            for j in 0..<n { try body(s[j]) }
        }
    }

    /// Passes every edge and the value of `other` at the same place (0 when
    /// `other` is nil) to `body` in order, freeing both as they go; both
    /// are empty afterwards (also when `body` throws).
    func consume(alongside other: EdgeSegments?, _ body: (UInt64, UInt64) throws -> Void) rethrows {
        guard let other else { return try consume { try body($0, 0) } }
        precondition(other.count == count, "parallel segments of different lengths")
        defer {
            for s in segments + other.segments { s.deallocate() }
            for x in [self, other] {
                x.segments = []
                x.used = EdgeSegments.segmentSize
                x.count = 0
            }
        }
        while !segments.isEmpty {
            let s = segments.removeFirst(), t = other.segments.removeFirst()
            defer {
                s.deallocate()
                t.deallocate()
            }
            let n = segments.isEmpty ? used : EdgeSegments.segmentSize
            for j in 0..<n { try body(s[j], t[j]) }
        }
    }
}

/// Maps 64-bit external ids to provisional dense 32-bit numbers in order of
/// first appearance (open addressing, linear probing, load at most 1/2).
/// Key and value share one 16-byte slot, so a probe costs one cache miss.
final class IDInterner {
    private struct Slot {
        var key: UInt64
        var value: UInt32  // IDInterner.empty when free
        var pad: UInt32
    }
    private var slots: UnsafeMutablePointer<Slot>
    private var mask: Int
    private var shift: UInt64
    private(set) var count = 0
    static let empty = UInt32.max

    /// An empty table of 2^`bits` slots to start with.
    init(bits: Int = 16) {
        let cap = 1 << bits
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: Slot(key: 0, value: IDInterner.empty, pad: 0), count: cap)
        mask = cap - 1
        shift = UInt64(64 - bits)
    }

    deinit { slots.deallocate() }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The provisional number of `key`, adding it if new. Returns nil when
    /// the table already holds the largest number of nodes a graph can have.
    @inline(__always)
    func intern(_ key: UInt64) -> UInt32? {
        var i = slot(key)
        while true {
            let v = slots[i].value
            if v == IDInterner.empty { break }
            if slots[i].key == key { return v }
            i = (i + 1) & mask
        }
        if UInt64(count) >= UInt64(BW_MAX_NODES_VALUE) { return nil }
        slots[i] = Slot(key: key, value: UInt32(count), pad: 0)
        count += 1
        if count * 2 > mask + 1 { rehash() }
        return UInt32(count - 1)
    }

    /// The provisional number of `key`, if present.
    @inline(__always)
    func find(_ key: UInt64) -> UInt32? {
        var i = slot(key)
        while true {
            let v = slots[i].value
            if v == IDInterner.empty { return nil }
            if slots[i].key == key { return v }
            i = (i + 1) & mask
        }
    }

    private func rehash() {
        let old = slots, oldCap = mask + 1
        let cap = oldCap * 2
        slots = .allocate(capacity: cap)
        slots.initialize(repeating: Slot(key: 0, value: IDInterner.empty, pad: 0), count: cap)
        mask = cap - 1
        shift -= 1
        for j in 0..<oldCap where old[j].value != IDInterner.empty {
            var i = slot(old[j].key)
            while slots[i].value != IDInterner.empty { i = (i + 1) & mask }
            slots[i] = old[j]
        }
        old.deallocate()
    }

    /// The ids by provisional number.
    func idsByNumber() -> FlatBuffer<UInt64> {
        let ids = FlatBuffer<UInt64>(repeating: 0, count: count)
        for j in 0...mask where slots[j].value != IDInterner.empty { ids[Int(slots[j].value)] = slots[j].key }
        return ids
    }

    /// The ids in ascending order, and for each provisional number its rank
    /// in that order (the final dense index).
    func sortedIDs() -> (ids: FlatBuffer<UInt64>, rankOf: FlatBuffer<UInt32>) {
        let ids = FlatBuffer<UInt64>(capacity: count)
        for j in 0...mask where slots[j].value != IDInterner.empty { ids.append(slots[j].key) }
        let tmp = UnsafeMutablePointer<UInt64>.allocate(capacity: max(count, 1))
        defer { tmp.deallocate() }
        let sorted = radixSort(ids.base, scratch: tmp, count: count, bits: 64)
        if sorted != ids.base { ids.base.update(from: sorted, count: count) }
        let rank = FlatBuffer<UInt32>(repeating: 0, count: count)
        for r in 0..<count { rank[Int(find(ids[r])!)] = UInt32(r) }
        return (ids, rank)
    }
}

/// Largest node count, from the format header (an expression macro Swift cannot import).
let BW_MAX_NODES_VALUE: UInt64 = 0xFFFF_FFFE

/// Sorts `count` keys whose values fit in `bits` bits, least significant
/// 11-bit digit first, using `scratch` of the same size. Returns whichever of
/// the two buffers holds the result. Passes in which every key has the same
/// digit are skipped. With `payload`, a value per key moves with its key
/// (stably) between `payload.values` and `payload.scratch`, and ends in the
/// one that pairs with the returned key buffer.
func radixSort(
    _ keys: UnsafeMutablePointer<UInt64>, scratch: UnsafeMutablePointer<UInt64>, count n: Int, bits: Int,
    payload: (values: UnsafeMutablePointer<UInt64>, scratch: UnsafeMutablePointer<UInt64>)? = nil
) -> UnsafeMutablePointer<UInt64> {
    let digitBits = 11
    let radix = 1 << digitBits
    let passes = max(1, (bits + digitBits - 1) / digitBits)
    var hist = [Int](repeating: 0, count: passes * radix)
    hist.withUnsafeMutableBufferPointer { h in
        for i in 0..<n {
            var k = keys[i]
            for p in 0..<passes {
                h[p * radix + Int(k & UInt64(radix - 1))] += 1
                k >>= UInt64(digitBits)
            }
        }
    }
    var src = keys, dst = scratch
    var psrc = payload?.values, pdst = payload?.scratch
    for p in 0..<passes {
        let base = p * radix
        if hist[base..<base + radix].contains(n) { continue }
        var offsets = [Int](repeating: 0, count: radix)
        var sum = 0
        for d in 0..<radix {
            offsets[d] = sum
            sum += hist[base + d]
        }
        let shiftBy = UInt64(p * digitBits)
        offsets.withUnsafeMutableBufferPointer { o in
            if let ps = psrc, let pd = pdst {
                for i in 0..<n {
                    let k = src[i]
                    let d = Int((k >> shiftBy) & UInt64(radix - 1))
                    dst[o[d]] = k
                    pd[o[d]] = ps[i]
                    o[d] += 1
                }
            } else {
                for i in 0..<n {
                    let k = src[i]
                    let d = Int((k >> shiftBy) & UInt64(radix - 1))
                    dst[o[d]] = k
                    o[d] += 1
                }
            }
        }
        swap(&src, &dst)
        swap(&psrc, &pdst)
    }
    return src
}

/// Bits needed to hold values below `n`.
func bitsFor(_ n: Int) -> Int { n <= 1 ? 1 : (Int.bitWidth - (n - 1).leadingZeroBitCount) }
