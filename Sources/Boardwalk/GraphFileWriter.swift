// Writes a compiled graph into one LMDB file, atomically: a temporary file
// beside the output, synced, then renamed over it. Arrays go in as chunks of
// at most `chunkBytes`, each written straight into LMDB's reserved space.
import CBoardwalk
import CLMDB
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

final class GraphFileWriter {
    let path: String
    let chunkBytes: UInt64
    /// Bytes written per LMDB transaction at most (or one chunk): LMDB holds
    /// a transaction's pages in memory until it commits.
    let stretchBytes: UInt64
    private(set) var fileBytes: UInt64 = 0

    init(path: String, chunkBytes: UInt64, stretchBytes: UInt64 = 256 << 20) {
        self.path = path
        self.chunkBytes = chunkBytes
        self.stretchBytes = stretchBytes
    }

    /// The prefix of temporary files for `path`: "<path>.tmp-".
    static func temporaryPrefix(_ path: String) -> String { path + ".tmp-" }

    /// Removes temporary files left beside `path` by builds that died (their
    /// process no longer exists). A live build's file is left alone.
    static func removeLeftovers(for path: String) {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + ".tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let pidText = rest.split(separator: "-").first, let pid = Int32(pidText) else { continue }
            if pid == getpid() { continue }
            if kill(pid, 0) == -1 && errno == ESRCH {
                unlink(dir + "/" + name)
            }
        }
    }

    func write(_ g: CompiledGraph) throws {
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw BoardwalkError.io(path: path, reason: "is a directory")
        }
        GraphFileWriter.removeLeftovers(for: path)
        let tmp = GraphFileWriter.temporaryPrefix(path) + "\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        var renamed = false
        defer { if !renamed { unlink(tmp) } }

        var env: OpaquePointer?
        try lmdb(mdb_env_create(&env), tmp)
        defer { mdb_env_close(env) }
        try lmdb(mdb_env_set_mapsize(env, mapSize(for: g)), tmp)
        let flags = UInt32(MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC | MDB_NOMETASYNC)
        try lmdb(mdb_env_open(env, tmp, flags, 0o644), tmp)

        var meta = bw_format_meta()
        withUnsafeMutableBytes(of: &meta.magic) { raw in
            for (i, c) in BW_FORMAT_MAGIC.utf8.enumerated() { raw[i] = c }
        }
        meta.format_version = BW_FORMAT_VERSION
        meta.meta_bytes = UInt32(MemoryLayout<bw_format_meta>.size)
        meta.pins = UInt64(g.pins)
        meta.boards = UInt64(g.boards)
        meta.edges = UInt64(g.edges)
        meta.max_pin_degree = UInt32(g.maxPinDegree)
        meta.max_board_degree = UInt32(g.maxBoardDegree)
        meta.max_log_pin_degree = g.maxPinDegree > 0 ? log(Double(g.maxPinDegree)) : 0
        meta.max_log_board_degree = g.maxBoardDegree > 0 ? log(Double(g.maxBoardDegree)) : 0
        meta.chunk_bytes = chunkBytes
        meta.created_unix = UInt64(time(nil))
        meta.input_fingerprint = g.fingerprint
        meta.duplicate_edges = UInt64(g.duplicates)
        meta.invalid_lines = UInt64(g.invalidLines)
        var flagBits: UInt32 = 0
        if g.titleCounts[0] > 0 || g.arrayBytes(Int(BW_ARRAY_PIN_TITLE_OFFSETS.rawValue)) > 0 {
            flagBits |= UInt32(BW_META_HAS_PIN_TITLES)
        }
        if g.arrayBytes(Int(BW_ARRAY_BOARD_TITLE_OFFSETS.rawValue)) > 0 { flagBits |= UInt32(BW_META_HAS_BOARD_TITLES) }
        if g.hasAttributes { flagBits |= UInt32(BW_META_HAS_ATTRIBUTES) }
        if let w = g.watermark {
            flagBits |= UInt32(BW_META_HAS_WATERMARK)
            meta.watermark = w
        }
        meta.flags = flagBits

        // One transaction per stretch of at most ~256 MiB (or one chunk), so
        // LMDB's dirty pages never hold more than that in memory.
        var txn: OpaquePointer?
        var dbi: MDB_dbi = 0
        var pending: UInt64 = 0
        func begin() throws {
            try lmdb(mdb_txn_begin(env, nil, 0, &txn), tmp)
            try lmdb(mdb_dbi_open(txn, nil, 0, &dbi), tmp)
            pending = 0
        }
        func commit() throws {
            let rc = mdb_txn_commit(txn)
            txn = nil
            try lmdb(rc, tmp)
        }
        // Reserves `count` bytes under `key` and lets `fill` write them.
        func put(_ key: String, count: Int, fill: (UnsafeMutableRawPointer) throws -> Void) throws {
            if pending > 0 && pending + UInt64(count) > stretchBytes {
                try commit()
                try begin()
            }
            var k = Array(key.utf8)
            try k.withUnsafeMutableBytes { kb in
                var kv = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
                var vv = MDB_val(mv_size: count, mv_data: nil)
                try lmdb(mdb_put(txn, dbi, &kv, &vv, UInt32(MDB_RESERVE)), tmp)
                if count > 0 { try fill(vv.mv_data) }
            }
            pending += UInt64(count)
        }
        func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws {
            try put(key, count: bytes.count) { memcpy($0, bytes.baseAddress!, bytes.count) }
        }

        try begin()
        var descriptors = [bw_format_array](repeating: bw_format_array(), count: Int(BW_ARRAY_COUNT.rawValue))
        for a in 0..<Int(BW_ARRAY_COUNT.rawValue) {
            let bytes = g.arrays[a], file = g.files[a]
            let total = g.arrayBytes(a)
            let elem = bw_array_elem_size(Int32(a))
            var d = bw_format_array()
            d.elem_size = elem
            d.count = UInt64(total) / UInt64(elem)
            var sum = bw_checksum_state()
            bw_checksum_init(&sum)
            var offset = 0
            var chunk: UInt32 = 0
            while offset < total {
                let n = min(Int(chunkBytes), total - offset)
                try put(chunkKey(a, chunk), count: n) { dst in
                    if let file {
                        try file.read(at: offset, count: n, into: dst)
                    } else {
                        memcpy(dst, bytes.baseAddress! + offset, n)
                    }
                    bw_checksum_update(&sum, dst, n)
                }
                offset += n
                chunk += 1
            }
            d.checksum = bw_checksum_final(&sum)
            d.chunks = chunk
            descriptors[a] = d
        }
        withUnsafeMutableBytes(of: &meta.arrays) { raw in
            descriptors.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
        if let record = g.buildRecord {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let json = try encoder.encode(record)
            try json.withUnsafeBytes { try put(BW_KEY_BUILD, $0) }
        }
        if g.hasAttributes {
            for (key, names) in zip([BW_KEY_ATTR_LANGUAGE, BW_KEY_ATTR_TOPIC], g.attributeNames) {
                let text = Array(names.map { $0 + "\n" }.joined().utf8)
                try text.withUnsafeBytes { try put(key, $0) }
            }
        }
        let checksumOffset = MemoryLayout<bw_format_meta>.offset(of: \bw_format_meta.meta_checksum)!
        meta.meta_checksum = withUnsafeBytes(of: meta) { bw_checksum64($0.baseAddress, checksumOffset) }
        try withUnsafeBytes(of: meta) { try put(BW_KEY_META, $0) }
        try commit()
        try lmdb(mdb_env_sync(env, 1), tmp)

        guard stat(tmp, &st) == 0 else { throw BoardwalkError.io(path: tmp, reason: String(cString: strerror(errno))) }
        fileBytes = UInt64(st.st_size)
        guard rename(tmp, path) == 0 else {
            throw BoardwalkError.io(path: path, reason: "cannot rename the new graph into place: \(String(cString: strerror(errno)))")
        }
        renamed = true
        // Make the rename itself durable.
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let dfd = open(dir, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    private func chunkKey(_ array: Int, _ chunk: UInt32) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        let n = bw_chunk_key(Int32(array), chunk, &buf, buf.count)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Enough map for every chunk in its own overflow pages, the B-tree and
    /// the pages copy-on-write leaves behind between transactions.
    private func mapSize(for g: CompiledGraph) -> Int {
        let page = 4096
        var pages = 0
        var records = 8
        for a in 0..<g.arrays.count {
            var rest = g.arrayBytes(a)
            while rest > 0 {
                let n = min(rest, Int(chunkBytes))
                pages += (n + 64 + page - 1) / page
                rest -= n
                records += 1
            }
        }
        let data = pages * page
        return data + data / 8 + records * 4 * page + (64 << 20)
    }
}

/// Throws for a nonzero LMDB return code, naming the file.
func lmdb(_ rc: Int32, _ path: String) throws {
    guard rc != 0 else { return }
    if rc == MDB_MAP_FULL { throw BoardwalkError.io(path: path, reason: "graph larger than its computed map size (a bug)") }
    if rc > 0 { throw BoardwalkError.io(path: path, reason: String(cString: strerror(rc))) }
    throw BoardwalkError.library(code: rc, message: String(cString: mdb_strerror(rc)))
}
