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
        let offsets = FlatBuffer<UInt64>(repeating: 0, count: ids.count + 1)
        let out = FlatBuffer<UInt8>(capacity: bytes.count + 16)
        var found = 0
        bytes.withUnsafeBufferPointer { all in
            for i in 0..<ids.count {
                if let (s, n) = index[ids[i]] {
                    found += 1
                    var len = min(n, chunkBytes)
                    while len < n && len > 0 && (all[s + len] & 0xC0) == 0x80 { len -= 1 }
                    let room = chunkBytes - out.count % chunkBytes
                    if len > room { for _ in 0..<room { out.append(0) } }
                    offsets[i] = UInt64(out.count)
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: all[s..<(s + len)]))
                } else {
                    offsets[i] = UInt64(out.count)
                }
            }
        }
        offsets[ids.count] = UInt64(out.count)
        return (offsets, out, found, index.count - found)
    }
}
