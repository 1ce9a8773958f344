// External-memory sorting for builds larger than their memory budget:
// fixed-size records are sorted in bounded batches (an MSD radix sort on
// their key words), spilled to temporary files as delta-coded runs by a
// background thread while the next batch fills, and merged back in order.
//
// Every temporary file is unlinked as soon as it is created and lives on
// only as an open descriptor, so a build that fails, runs out of disk or is
// killed leaves no temporary file behind: the kernel frees the space when
// the descriptors close.
import CBoardwalk
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The temporary disk of one build: where files go, how many bytes they
/// hold now and at most, and (for tests) a byte count after which writes
/// fail with ENOSPC as a full disk would. Thread-safe: runs are written by
/// background threads.
final class SpillSpace: @unchecked Sendable {
    // Unchecked: the counters are only touched under `lock`.
    let directory: String
    private let lock = NSLock()
    private var live = 0
    private var peak = 0
    private var written = 0
    /// Fault injection: writes past this many bytes in all fail with ENOSPC.
    var failAfterBytes: Int?

    init(directory: String) { self.directory = directory }

    var liveBytes: Int { lock.withLock { live } }
    var peakBytes: Int { lock.withLock { peak } }

    func grow(_ n: Int) throws {
        try lock.withLock {
            if let limit = failAfterBytes, written + n > limit {
                throw BoardwalkError.io(path: directory, reason: "temporary file: \(String(cString: strerror(ENOSPC)))")
            }
            written += n
            live += n
            peak = max(peak, live)
        }
    }

    func release(_ n: Int) { lock.withLock { live -= n } }

    /// Throws when the directory's file system has less than `bytes` free.
    func check(needs bytes: Int, for what: String) throws {
        var s = statvfs()
        guard statvfs(directory, &s) == 0 else { return }
        let free = Int(s.f_bavail) &* Int(s.f_frsize)
        if free < bytes {
            throw BoardwalkError.io(
                path: directory,
                reason: "\(what) needs about \(bytes >> 20) MiB of temporary space, only \(free >> 20) MiB free (--temp-dir chooses another directory)")
        }
    }
}

/// An anonymous temporary file (created and at once unlinked) written
/// sequentially through a buffer, then read back with `pread`.
final class SpillFile: @unchecked Sendable {
    // Unchecked: written by one thread, then read (after the writer is done,
    // ordered by the hand-over between threads) by one thread at a time.
    let fd: Int32
    let space: SpillSpace
    private(set) var size = 0
    private var buffer: UnsafeMutablePointer<UInt8>?
    private let capacity: Int
    private var used = 0

    init(_ space: SpillSpace, bufferBytes: Int = 1 << 20) throws {
        var template = Array((space.directory + "/.boardwalk-spill-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw BoardwalkError.io(path: space.directory, reason: "cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
        self.space = space
        capacity = max(bufferBytes, 256)
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        close(fd)
        space.release(size)
        buffer?.deallocate()
    }

    @inline(__always)
    func append(_ byte: UInt8) throws {
        if used == capacity { try flush() }
        buffer![used] = byte
        used += 1
    }

    func append(_ p: UnsafeRawBufferPointer) throws {
        var rest = p
        while !rest.isEmpty {
            if used == capacity { try flush() }
            let n = min(rest.count, capacity - used)
            (buffer! + used).update(from: rest.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
            used += n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
    }

    /// Appends a trivial value's bytes.
    @inline(__always)
    func append<T: FixedWidthInteger>(value: T) throws {
        let n = MemoryLayout<T>.size
        if capacity - used < n { try flush() }
        UnsafeMutableRawPointer(buffer! + used).storeBytes(of: value, as: T.self)
        used += n
    }

    /// Lets `body` write at most `maxBytes` bytes at the end of the buffer;
    /// it returns how many it wrote.
    @inline(__always)
    func write(upTo maxBytes: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) throws {
        if capacity - used < maxBytes { try flush() }
        used += body(buffer! + used)
    }

    @inline(__always)
    func appendVarint(_ value: UInt64) throws {
        try write(upTo: 10) { putVarint(value, $0) }
    }

    /// Writes out the buffer and frees it; after the last append, before
    /// reading.
    func finishWriting() throws {
        try flush()
        buffer?.deallocate()
        buffer = nil
    }

    private func flush() throws {
        guard let buffer else { preconditionFailure("append after finishWriting") }
        guard used > 0 else { return }
        try space.grow(used)
        var done = 0
        while done < used {
            let n = Glibc.write(fd, buffer + done, used - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw BoardwalkError.io(path: space.directory, reason: "temporary file: \(String(cString: strerror(n < 0 ? errno : ENOSPC)))")
            }
            done += n
        }
        size += used
        used = 0
    }

    /// Reads `count` bytes at `offset` into `into`.
    func read(at offset: Int, count: Int, into: UnsafeMutableRawPointer) throws {
        var done = 0
        while done < count {
            let n = pread(fd, into + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw BoardwalkError.io(path: space.directory, reason: "temporary file: short read")
            }
            done += n
        }
    }
}

/// Writes `value` as a LEB128 varint at `p`; returns its length (1 ... 10).
@inline(__always)
func putVarint(_ value: UInt64, _ p: UnsafeMutablePointer<UInt8>) -> Int {
    var v = value
    var i = 0
    while v >= 0x80 {
        p[i] = UInt8(truncatingIfNeeded: v) | 0x80
        v >>= 7
        i += 1
    }
    p[i] = UInt8(truncatingIfNeeded: v)
    return i + 1
}

/// Reads a LEB128 varint at `p[i]`, advancing `i`.
@inline(__always)
func getVarint(_ p: UnsafePointer<UInt8>, _ i: inout Int) -> UInt64 {
    var b = p[i]
    i += 1
    if b < 0x80 { return UInt64(b) }
    var v = UInt64(b & 0x7F)
    var shift: UInt64 = 7
    while true {
        b = p[i]
        i += 1
        v |= UInt64(b & 0x7F) << shift
        if b < 0x80 || shift >= 63 { return v }
        shift += 7
    }
}

/// Reads a spill file sequentially through a buffer that always holds the
/// next `lookahead` bytes (or the rest of the file), so that a record can be
/// decoded straight from memory.
struct SpillCursor {
    let fd: Int32
    let size: Int
    let directory: String
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var fileOffset = 0  // the next byte of the file to read
    private(set) var pos = 0
    private var end = 0

    init(_ file: SpillFile, bufferBytes: Int, lookahead: Int) {
        fd = file.fd
        size = file.size
        directory = file.space.directory
        capacity = max(bufferBytes, 4 * lookahead)
        buffer = .allocate(capacity: capacity + lookahead)  // slack: a damaged run is never read out of bounds
    }

    func free() { buffer.deallocate() }

    /// Makes at least `n` bytes readable at ``bytes``, or all that is left.
    @inline(__always)
    mutating func ensure(_ n: Int) throws {
        if end - pos >= n { return }
        try refill()
    }

    private mutating func refill() throws {
        let rest = end - pos
        if rest > 0 { memmove(buffer, buffer + pos, rest) }
        pos = 0
        end = rest
        let want = min(capacity - end, size - fileOffset)
        var done = 0
        while done < want {
            let r = pread(fd, buffer + end + done, want - done, off_t(fileOffset + done))
            if r < 0 && errno == EINTR { continue }
            guard r > 0 else { throw BoardwalkError.io(path: directory, reason: "temporary file: short read") }
            done += r
        }
        fileOffset += want
        end += want
    }

    /// The readable bytes.
    var bytes: UnsafePointer<UInt8> { UnsafePointer(buffer + pos) }

    /// Marks `n` bytes as read.
    @inline(__always)
    mutating func consume(_ n: Int) { pos += n }
}

// MARK: Records

/// A record an ``ExternalSorter`` sorts: `keyWords` 64-bit words compared in
/// order (so that a radix sort can work on them), a rule for which records
/// repeat an earlier one (dropped), and a delta coding against the previous
/// record of a run.
protocol SortRecord {
    /// The record every run's first record is coded against.
    static var zero: Self { get }
    /// Number of key words.
    static var keyWords: Int { get }
    /// Key word `i` (0 most significant).
    func keyWord(_ i: Int) -> UInt64
    /// Whether `b`, coming right after `a` in order, repeats it (and is dropped).
    static func repeats(_ a: Self, _ b: Self) -> Bool
    /// The most bytes ``encode(_:after:into:)`` writes.
    static var maxEncodedBytes: Int { get }
    /// Writes `r`, which follows `previous` in order, at `p`; returns the length.
    static func encode(_ r: Self, after previous: Self, into p: UnsafeMutablePointer<UInt8>) -> Int
    /// Reads a record written after `previous` at `p[i]`, advancing `i`.
    static func decode(after previous: Self, from p: UnsafePointer<UInt8>, _ i: inout Int) -> Self
}

extension SortRecord {
    @inline(__always)
    static func precedes(_ a: Self, _ b: Self) -> Bool {
        for w in 0..<keyWords {
            let x = a.keyWord(w), y = b.keyWord(w)
            if x != y { return x < y }
        }
        return false
    }
}

/// Two 64-bit keys, ordered by (k1, k2); an equal record repeats. Coded as
/// the gap from the previous k1, then k2 as the gap when k1 repeats, else
/// in full.
struct KeyPair: SortRecord, Equatable {
    var k1: UInt64
    var k2: UInt64

    static let zero = KeyPair(k1: 0, k2: 0)
    static var keyWords: Int { 2 }
    @inline(__always) func keyWord(_ i: Int) -> UInt64 { i == 0 ? k1 : k2 }
    @inline(__always) static func repeats(_ a: KeyPair, _ b: KeyPair) -> Bool { a == b }
    static var maxEncodedBytes: Int { 20 }

    @inline(__always)
    static func encode(_ r: KeyPair, after previous: KeyPair, into p: UnsafeMutablePointer<UInt8>) -> Int {
        let d = r.k1 &- previous.k1
        let n = putVarint(d, p)
        return n + putVarint(d == 0 ? r.k2 &- previous.k2 : r.k2, p + n)
    }

    @inline(__always)
    static func decode(after previous: KeyPair, from p: UnsafePointer<UInt8>, _ i: inout Int) -> KeyPair {
        let d = getVarint(p, &i)
        let v = getVarint(p, &i)
        return d == 0 ? KeyPair(k1: previous.k1, k2: previous.k2 &+ v) : KeyPair(k1: previous.k1 &+ d, k2: v)
    }
}

// MARK: Sorting a batch

/// Sorts `n` records by their key words: most significant digit first, up
/// to 11 bits a level taken from the highest bit that varies among them,
/// through `scratch` (as large); small groups by insertion. Already sorted
/// input costs one pass.
func sortRecords<R: SortRecord>(_ a: UnsafeMutablePointer<R>, scratch: UnsafeMutablePointer<R>, count n: Int) {
    if n < 2 { return }
    var sorted = true
    for i in 1..<n where R.precedes(a[i], a[i - 1]) {
        sorted = false
        break
    }
    if !sorted { radixLevel(a, scratch, n) }
}

private func radixLevel<R: SortRecord>(_ a: UnsafeMutablePointer<R>, _ tmp: UnsafeMutablePointer<R>, _ n: Int) {
    if n <= 32 {
        for i in 1..<max(n, 1) {
            let x = a[i]
            var j = i
            while j > 0 && R.precedes(x, a[j - 1]) {
                a[j] = a[j - 1]
                j -= 1
            }
            a[j] = x
        }
        return
    }
    // The first key word that varies, and its highest varying bit. Records
    // of one bucket share every bit above the digit that made the bucket.
    var w = 0
    var diff: UInt64 = 0
    while w < R.keyWords {
        let f = a[0].keyWord(w)
        var d: UInt64 = 0
        for i in 1..<n { d |= a[i].keyWord(w) ^ f }
        if d != 0 {
            diff = d
            break
        }
        w += 1
    }
    if w == R.keyWords { return }  // all keys equal
    let high = 64 - diff.leadingZeroBitCount  // bits up to and including the highest varying one
    let digitBits = min(high, n >= 1 << 14 ? 11 : max(3, bitsFor(n) - 4))
    let shift = UInt64(high - digitBits)
    let mask = UInt64(1) << UInt64(digitBits) - 1
    let buckets = 1 << digitBits
    let offsets = UnsafeMutablePointer<Int>.allocate(capacity: buckets + 1)
    defer { offsets.deallocate() }
    offsets.initialize(repeating: 0, count: buckets + 1)
    for i in 0..<n { offsets[Int((a[i].keyWord(w) >> shift) & mask) + 1] += 1 }
    for d in 0..<buckets { offsets[d + 1] += offsets[d] }
    // Scatter with a moving cursor per bucket (offsets[d] ends at the start of d + 1).
    for i in 0..<n {
        let d = Int((a[i].keyWord(w) >> shift) & mask)
        tmp[offsets[d]] = a[i]
        offsets[d] += 1
    }
    a.update(from: tmp, count: n)
    var start = 0
    for d in 0..<buckets {
        let end = offsets[d]
        if end - start > 1 { radixLevel(a + start, tmp + start, end - start) }
        start = end
    }
}

// MARK: Runs

/// A sorted run on disk.
struct SortedRun<R: SortRecord> {
    var file: SpillFile
    var records: Int
    var first: R
    var last: R
}

/// Writes sorted records as a run, dropping repeats.
private func writeRun<R: SortRecord>(_ a: UnsafeMutablePointer<R>, count n: Int, space: SpillSpace) throws -> SortedRun<R> {
    let file = try SpillFile(space)
    var previous = R.zero
    var records = 0
    for i in 0..<n {
        let r = a[i]
        if records > 0 && R.repeats(previous, r) { continue }
        try file.write(upTo: R.maxEncodedBytes) { R.encode(r, after: previous, into: $0) }
        previous = r
        records += 1
    }
    try file.finishWriting()
    return SortedRun(file: file, records: records, first: a[0], last: previous)
}

/// Sorts and writes batches on a background thread, one at a time, so that
/// the next batch fills while the last one is sorted.
private final class SpillWorker<R: SortRecord>: @unchecked Sendable {
    // Unchecked: `running` and `result` are only touched under `condition`.
    private let condition = NSCondition()
    private var running = false
    private var result: Result<SortedRun<R>, Error>?

    /// Starts sorting and writing `a` (the caller may not touch `a` or
    /// `scratch` until ``wait()`` returns). One batch at a time: call
    /// ``wait()`` first.
    func start(_ a: UnsafeMutablePointer<R>, scratch: UnsafeMutablePointer<R>, count n: Int, space: SpillSpace) {
        condition.withLock {
            precondition(!running && result == nil, "one batch at a time")
            running = true
        }
        let job = UncheckedJob(a: a, scratch: scratch, n: n)
        let thread = Thread { [self] in
            let r = Result { () throws -> SortedRun<R> in
                sortRecords(job.a, scratch: job.scratch, count: job.n)
                return try writeRun(job.a, count: job.n, space: space)
            }
            condition.withLock {
                result = r
                running = false
                condition.broadcast()
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Waits for the batch in flight; returns its run (nil when none was in flight).
    func wait() throws -> SortedRun<R>? {
        let r: Result<SortedRun<R>, Error>? = condition.withLock {
            while running { condition.wait() }
            defer { result = nil }
            return result
        }
        return try r?.get()
    }

    private struct UncheckedJob: @unchecked Sendable {
        // Unchecked: the buffers belong to the job until the owner waits.
        let a: UnsafeMutablePointer<R>
        let scratch: UnsafeMutablePointer<R>
        let n: Int
    }
}

/// Sorts records within a fixed number in memory; the rest spills to runs
/// on disk. Add records, then call ``finish()`` once for a stream of them in
/// order without repeats. With `background`, two batches alternate: one
/// fills while a background thread sorts and writes the other.
final class ExternalSorter<R: SortRecord> {
    private let space: SpillSpace
    /// Records per batch.
    let capacity: Int
    private let mergeBytes: Int
    private var batches: [UnsafeMutablePointer<R>] = []
    /// One sort runs at a time (the worker's, or finish()'s after it), so one scratch serves both batches.
    private var scratch: UnsafeMutablePointer<R>?
    private var active = 0
    private var count = 0
    private var runs: [SortedRun<R>] = []
    private let worker: SpillWorker<R>?
    /// Records added (repeats included).
    private(set) var added = 0

    /// A sorter of at most `memoryBytes` of batches (two batches and a
    /// scratch batch with `background`, else one and its scratch), whose
    /// merge reads through `mergeBytes` of buffers in all. `batchRecords`
    /// (for tests) sets the batch size instead.
    init(space: SpillSpace, memoryBytes: Int, mergeBytes: Int, background: Bool = true, batchRecords: Int? = nil) {
        self.space = space
        let stride = MemoryLayout<R>.stride
        capacity = batchRecords ?? max(1024, memoryBytes / (stride * (background ? 3 : 2)))
        self.mergeBytes = max(mergeBytes, 256 << 10)
        worker = background ? SpillWorker<R>() : nil
    }

    deinit {
        _ = try? worker?.wait()  // a failed build: the job still owns a batch
        freeBuffers()
    }

    private func freeBuffers() {
        for p in batches { p.deallocate() }
        scratch?.deallocate()
        batches = []
        scratch = nil
    }

    @inline(__always)
    func add(_ r: R) throws {
        if count == capacity || batches.isEmpty { try nextBatch() }
        batches[active][count] = r
        count += 1
        added += 1
    }

    private func nextBatch() throws {
        if batches.isEmpty {
            for _ in 0..<(worker == nil ? 1 : 2) { batches.append(.allocate(capacity: capacity)) }
            scratch = .allocate(capacity: capacity)
            return
        }
        try spill()
    }

    /// Sorts the current batch and writes it as a run (in the background
    /// when there is a worker).
    private func spill() throws {
        guard count > 0 else { return }
        if let worker {
            if let run = try worker.wait() { runs.append(run) }
            worker.start(batches[active], scratch: scratch!, count: count, space: space)
            active = 1 - active
        } else {
            sortRecords(batches[0], scratch: scratch!, count: count)
            runs.append(try writeRun(batches[0], count: count, space: space))
        }
        count = 0
    }

    /// Spills what is left, frees the batches and merges the runs (in
    /// several passes when there are more than the merge buffers can read
    /// at once) into one ordered stream without repeats.
    func finish() throws -> MergeStream<R> {
        if !batches.isEmpty && count > 0 {
            if let worker { if let run = try worker.wait() { runs.append(run) } }
            sortRecords(batches[active], scratch: scratch!, count: count)
            runs.append(try writeRun(batches[active], count: count, space: space))
            count = 0
        }
        if let worker, let run = try worker.wait() { runs.append(run) }
        freeBuffers()
        let minBuffer = 64 << 10
        let fanIn = max(2, mergeBytes / minBuffer)
        while runs.count > fanIn && !MergeStream.inOrder(runs) {
            var merged: [SortedRun<R>] = []
            var i = 0
            while i < runs.count {
                let group = Array(runs[i..<min(i + fanIn, runs.count)])
                i += fanIn
                if group.count == 1 {
                    merged.append(group[0])
                    continue
                }
                let stream = MergeStream(group, bufferBytes: mergeBytes)
                let file = try SpillFile(space)
                var previous = R.zero
                var records = 0
                var first = R.zero
                while let r = try stream.next() {
                    if records == 0 { first = r }
                    try file.write(upTo: R.maxEncodedBytes) { R.encode(r, after: previous, into: $0) }
                    previous = r
                    records += 1
                }
                try file.finishWriting()
                merged.append(SortedRun(file: file, records: records, first: first, last: previous))
            }
            runs = merged  // the inputs' files close here, freeing their space
        }
        let stream = MergeStream(runs, bufferBytes: mergeBytes)
        runs = []
        return stream
    }

    /// Bytes the runs hold on disk now.
    var spilledBytes: Int { runs.reduce(0) { $0 + $1.file.size } }
}

/// Runs merged in order, repeats across runs dropped. Runs that follow one
/// another without overlapping (input that came sorted) are read one after
/// the other, without a heap.
final class MergeStream<R: SortRecord> {
    private struct Cursor {
        var reader: SpillCursor
        var left: Int
        var current: R
        var previous: R
    }
    private var files: [SpillFile]  // keeps the descriptors open
    private var cursors: UnsafeMutablePointer<Cursor>
    private var heap: UnsafeMutablePointer<Int>
    private var heapCount = 0
    private let cursorCount: Int
    /// Chained runs: cursor 0 reads them in turn.
    private var chain: [SortedRun<R>] = []
    private let bufferBytes: Int
    private var started = false
    private var last = R.zero
    private var hasLast = false

    /// Whether the runs follow one another in order without overlapping.
    static func inOrder(_ runs: [SortedRun<R>]) -> Bool {
        for i in runs.indices.dropFirst() where !R.precedes(runs[i - 1].last, runs[i].first) && !R.repeats(runs[i - 1].last, runs[i].first) {
            return false
        }
        return true
    }

    init(_ runs: [SortedRun<R>], bufferBytes: Int) {
        files = runs.map(\.file)
        let chained = runs.count > 1 && MergeStream.inOrder(runs)
        cursorCount = chained ? 1 : runs.count
        self.bufferBytes = max(bufferBytes / max(cursorCount, 1), 64 << 10)
        cursors = .allocate(capacity: max(cursorCount, 1))
        heap = .allocate(capacity: max(cursorCount, 1))
        if chained {
            chain = Array(runs.reversed())
            let run = chain.removeLast()
            cursors.initialize(to: Cursor(reader: SpillCursor(run.file, bufferBytes: self.bufferBytes, lookahead: R.maxEncodedBytes),
                                          left: run.records, current: R.zero, previous: R.zero))
        } else {
            for (i, run) in runs.enumerated() {
                (cursors + i).initialize(to: Cursor(reader: SpillCursor(run.file, bufferBytes: self.bufferBytes, lookahead: R.maxEncodedBytes),
                                                    left: run.records, current: R.zero, previous: R.zero))
            }
        }
    }

    deinit {
        for i in 0..<cursorCount { cursors[i].reader.free() }
        cursors.deinitialize(count: cursorCount)
        cursors.deallocate()
        heap.deallocate()
    }

    /// Moves cursor `c` to its next record; false at its end.
    @inline(__always)
    private func advance(_ c: Int) throws -> Bool {
        while cursors[c].left == 0 {
            guard !chain.isEmpty else { return false }
            let run = chain.removeLast()
            cursors[c].reader.free()
            cursors[c] = Cursor(reader: SpillCursor(run.file, bufferBytes: bufferBytes, lookahead: R.maxEncodedBytes),
                                left: run.records, current: R.zero, previous: R.zero)
        }
        cursors[c].left -= 1
        try cursors[c].reader.ensure(R.maxEncodedBytes)
        var i = 0
        let r = R.decode(after: cursors[c].previous, from: cursors[c].reader.bytes, &i)
        cursors[c].reader.consume(i)
        cursors[c].current = r
        cursors[c].previous = r
        return true
    }

    @inline(__always)
    private func less(_ x: Int, _ y: Int) -> Bool { R.precedes(cursors[x].current, cursors[y].current) }

    private func siftDown(_ start: Int) {
        var i = start
        let n = heapCount
        let item = heap[i]
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var m = l
            if l + 1 < n && less(heap[l + 1], heap[l]) { m = l + 1 }
            if !less(heap[m], item) { break }
            heap[i] = heap[m]
            i = m
        }
        heap[i] = item
    }

    /// The next record in order, or nil at the end.
    @inline(__always)
    func next() throws -> R? {
        if !started {
            started = true
            for c in 0..<cursorCount where try advance(c) {
                heap[heapCount] = c
                heapCount += 1
            }
            if heapCount > 1 { for i in stride(from: heapCount / 2 - 1, through: 0, by: -1) { siftDown(i) } }
        }
        while heapCount > 0 {
            let top = heap[0]
            let record = cursors[top].current
            if try advance(top) {
                if heapCount > 1 { siftDown(0) }
            } else {
                heapCount -= 1
                if heapCount > 0 {
                    heap[0] = heap[heapCount]
                    siftDown(0)
                }
            }
            if hasLast && R.repeats(last, record) { continue }
            last = record
            hasLast = true
            return record
        }
        return nil
    }
}

extension ExternalSorter where R == KeyPair {
    @inline(__always)
    func add(_ a: UInt64, _ b: UInt64) throws { try add(KeyPair(k1: a, k2: b)) }
}

extension MergeStream where R == KeyPair {
    /// The next pair in order, or nil at the end.
    @inline(__always)
    func nextPair() throws -> (UInt64, UInt64)? {
        guard let r = try next() else { return nil }
        return (r.k1, r.k2)
    }
}
