// Node titles as a build gathers them, laid out by node index for the graph
// file: no title crosses an array chunk boundary.

/// Titles as added, laid out by node index at build time.
struct TitleStore {
    private var index: [UInt64: (Int, Int)] = [:]
    private var bytes: [UInt8] = []
    var isEmpty: Bool { index.isEmpty }

    mutating func set<C: Collection>(id: UInt64, title: C) where C.Element == UInt8 {
        let start = bytes.count
        bytes.append(contentsOf: title.lazy.filter { $0 != 0 })
        // Trim blanks at the ends.
        var s = start, e = bytes.count
        while s < e && isBlank(bytes[s]) { s += 1 }
        while e > s && isBlank(bytes[e - 1]) { e -= 1 }
        index[id] = (s, e - s)
    }

    /// Offsets and bytes by node index. No title crosses a chunk boundary:
    /// NUL padding fills the rest of a chunk (readers strip trailing NULs),
    /// and a title longer than a chunk is cut at a UTF-8 boundary.
    func layout(for ids: FlatBuffer<UInt64>, chunkBytes: Int) -> (FlatBuffer<UInt64>, FlatBuffer<UInt8>, Int, Int) {
        let offsets = FlatBuffer<UInt64>(capacity: ids.count + 1)
        let out = FlatBuffer<UInt8>(capacity: bytes.count + 16)
        var found = 0
        for i in 0..<ids.count {
            let start = place(id: ids[i], after: out.count, chunkBytes: chunkBytes,
                              padding: { for _ in 0..<$0 { out.append(0) } }, title: { out.append(contentsOf: $0) })
            if start != nil { found += 1 }
            offsets.append(UInt64(start ?? out.count))
        }
        offsets.append(UInt64(out.count))
        return (offsets, out, found, index.count - found)
    }

    /// Lays out the title of `id`, if it has one, after `written` title
    /// bytes: NUL `padding` to the next chunk when it would cross one, then
    /// the `title` bytes. Returns where the title starts, nil when `id` has
    /// none (its offset is then `written`).
    func place(id: UInt64, after written: Int, chunkBytes: Int, padding: (Int) throws -> Void,
               title: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows -> Int? {
        guard let (s, n) = index[id] else { return nil }
        var len = min(n, chunkBytes)
        while len < n && len > 0 && (bytes[s + len] & 0xC0) == 0x80 { len -= 1 }
        let room = chunkBytes - written % chunkBytes
        let pad = len > room ? room : 0
        if pad > 0 { try padding(pad) }
        try bytes.withUnsafeBufferPointer { all in try title(UnsafeBufferPointer(rebasing: all[s..<(s + len)])) }
        return written + pad
    }

    /// Titles stored.
    var count: Int { index.count }
}
